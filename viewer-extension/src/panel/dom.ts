// A few lines of DOM building for the panel (no React here, see react-host.ts).
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((e: any) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    else if (key === 'style') el.setAttribute('style', String(value));
    else if (key in el && typeof (el as any)[key] !== 'function' && key !== 'list') (el as any)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const styles = {
  section: 'padding:10px 12px;border-bottom:1px solid rgba(255,255,255,0.08)',
  heading: 'margin:0 0 6px;font:600 12px/1.4 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.06em;color:#7bb2ce',
  row: 'display:flex;justify-content:space-between;gap:8px;font:12px/1.5 system-ui,sans-serif;color:#d8e1ea',
  muted: 'font:12px/1.45 system-ui,sans-serif;color:#9aa7b4',
  button: 'flex:1 1 auto;min-width:0;padding:5px 6px;border:1px solid #3a4a5e;border-radius:4px;background:#16202c;color:#e6edf3;font:12px system-ui,sans-serif;cursor:pointer',
  pressed: 'background:#2f5d7c;border-color:#5fa8d3',
  warn: 'padding:6px 8px;border-radius:4px;background:#4a2f05;color:#ffd89a;font:12px/1.4 system-ui,sans-serif',
  banner: 'padding:6px 8px;border-radius:4px;background:#3b0d0d;color:#ffb4b4;font:600 12px/1.4 system-ui,sans-serif;text-align:center',
};

export function field(label: string, value: string | undefined): HTMLElement {
  return h('div', { style: styles.row }, h('span', { style: 'color:#9aa7b4' }, label), h('span', { style: 'text-align:right;word-break:break-word' }, value ?? '—'));
}
