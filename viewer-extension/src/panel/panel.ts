// The SharpXR panel (right side of the compare mode): the pair on screen, its provenance and
// guard figures, the compare views, the reader's verdict and the keyboard shortcuts. Plain DOM
// mounted through reactHost; it redraws its sections when the pair changes and only updates
// values when a view changes.
import type { CommandsManager } from '../ohif.js';
import type { HostedView } from '../react-host.js';
import { session, type CompareSession } from '../session.js';
import { defaultViewportId } from '../views/targets.js';
import { h, styles } from './dom.js';
import { feedbackSection } from './feedback-section.js';
import { provenanceSection } from './provenance-section.js';
import { SHORTCUTS, keyLabel } from './shortcuts.js';
import { ViewsSection } from './views-section.js';

export class ComparePanel implements HostedView {
  private root: HTMLElement | undefined;
  private views: ViewsSection | undefined;
  private pairKey: string | undefined;
  private offSession: (() => void) | undefined;
  private boundSession: CompareSession | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly commands: CommandsManager) {}

  mount(container: HTMLElement): void {
    this.root = container;
    container.setAttribute('data-sharpxr', 'panel');
    container.setAttribute('style', 'height:100%;overflow-y:auto;color:#e6edf3;background:transparent');
    // The session starts with the mode, possibly after the panel: bind when it appears.
    this.poll = setInterval(() => this.bind(), 250);
    this.bind();
    this.render();
  }

  unmount(): void {
    this.offSession?.();
    if (this.poll) clearInterval(this.poll);
    this.root = undefined;
    this.pairKey = undefined;
    this.boundSession = undefined;
  }

  private bind(): void {
    const s = session();
    if (s === this.boundSession) return;
    this.offSession?.();
    this.boundSession = s;
    this.pairKey = undefined;
    this.offSession = s?.subscribe(() => this.render());
    this.render();
  }

  private render(): void {
    const root = this.root;
    if (!root) return;
    const s = this.boundSession;
    const pairs = s?.pairs() ?? [];
    const pair = s?.shownPair();
    const key = s ? `${pair?.derived.displaySetInstanceUID ?? 'none'}|${pairs.length}` : 'loading';
    if (key !== this.pairKey) {
      this.pairKey = key;
      root.replaceChildren(...this.sections(s, pairs.length, pair));
    }
    this.views?.update(s && pair ? s.views.state(defaultViewportId(s.servicesManager)) : undefined);
  }

  private sections(s: CompareSession | undefined, count: number, pair: ReturnType<CompareSession['shownPair']>): HTMLElement[] {
    this.views = undefined;
    if (!s) return [h('p', { style: `${styles.section};${styles.muted}` }, 'Loading the study…')];
    if (count === 0 || !pair) return [this.emptyState(), shortcutsSection()];
    this.views = new ViewsSection(this.commands);
    return [this.pairSection(s, count, pair.index), provenanceSection(pair), this.views.element, feedbackSection(pair), shortcutsSection()];
  }

  private pairSection(s: CompareSession, count: number, index: number): HTMLElement {
    const next = count > 1 ? h('button', { type: 'button', style: `${styles.button};flex:0 0 auto`, 'data-sharpxr': 'next-pair', onclick: () => s.showPair((index + 1) % count) }, 'Next pair (P)') : null;
    return h('div', { style: `${styles.section};display:flex;align-items:center;justify-content:space-between;gap:8px`, 'data-sharpxr': 'pair' },
      h('span', { style: styles.row }, count > 1 ? `Pair ${index + 1} of ${count}: original | denoised` : 'Original | denoised'), next);
  }

  private emptyState(): HTMLElement {
    return h('div', { style: styles.section, 'data-sharpxr': 'no-pair' },
      h('h3', { style: styles.heading }, 'Nothing to compare'),
      h('p', { style: styles.row }, 'This study has no SharpXR denoised series.'),
      h('p', { style: styles.muted }, 'SharpXR sends a denoised series back to the PACS for each chest radiograph it receives. If one is expected, check the job on the SharpXR node (sharpxr jobs list) or send the study to the node again.'),
    );
  }
}

function shortcutsSection(): HTMLElement {
  return h('div', { style: styles.section, 'data-sharpxr': 'shortcuts' },
    h('h3', { style: styles.heading }, 'Keyboard'),
    ...SHORTCUTS.map((sc) => h('div', { style: styles.row }, h('span', {}, sc.label), h('kbd', { style: 'font:600 11px ui-monospace,monospace;color:#ffd54a' }, keyLabel(sc.keys)))),
    h('p', { style: `${styles.muted};margin-top:6px` }, 'A view key pressed again returns to side by side. Views act on the selected viewport: click one to select it.'),
  );
}
