// The difference map's colours: a diverging map, dark at zero so that a map of pure noise looks
// like faint even speckle and any structure (an edge, a rib) stands out in colour.
export const DIFFERENCE_COLORMAP = 'sharpxr-difference';

const POINTS: readonly [number, number, number, number][] = [
  [0, 0.2, 0.55, 1],
  [0.25, 0.1, 0.3, 0.75],
  [0.5, 0.06, 0.06, 0.06],
  [0.75, 0.8, 0.25, 0.1],
  [1, 1, 0.6, 0.2],
];

/** vtk.js colour-transfer-function preset (RGBPoints over 0..1; Cornerstone maps it onto the window). */
export const DIFFERENCE_PRESET = {
  Name: DIFFERENCE_COLORMAP,
  name: DIFFERENCE_COLORMAP,
  ColorSpace: 'RGB',
  RGBPoints: POINTS.flat(),
};

export const DIFFERENCE_GRADIENT_CSS = `linear-gradient(to right, ${POINTS.map(([x, r, g, b]) => `rgb(${Math.round(r * 255)},${Math.round(g * 255)},${Math.round(b * 255)}) ${x * 100}%`).join(', ')})`;
