// OHIF renders a panel module's `component` with its own React, which is not exposed to
// runtime-loaded modules. The panel is therefore plain DOM: the component returns one host
// <div> element, written as the plain object React 18 elements are, whose ref callback hands us
// the DOM node to render into (and null when React unmounts it). OHIF 3.13.2 bundles React
// 18.3.1 (the tarball's integrity is pinned), whose elements are tagged Symbol.for('react.element').
const REACT_ELEMENT = Symbol.for('react.element');

export interface HostedView {
  mount(container: HTMLElement): void;
  unmount(): void;
}

export function reactHost(view: HostedView, className: string): () => unknown {
  let mounted: HTMLElement | null = null;
  const ref = (node: HTMLElement | null): void => {
    if (node === mounted) return;
    if (mounted) view.unmount();
    mounted = node;
    if (node) view.mount(node);
  };
  // The same element object on every render: React then leaves the DOM (and our content) alone.
  const element = { $$typeof: REACT_ELEMENT, type: 'div', key: null, ref, props: { className }, _owner: null };
  return () => element;
}
