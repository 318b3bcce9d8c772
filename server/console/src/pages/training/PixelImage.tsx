// A training PNG (sample strip, evaluation grid) drawn at a whole-number zoom: the trainer's
// crops are small (64-256 px), and at 1:1 noise and blur are hard to judge. Pixels stay square
// (no smoothing) so what is seen is what the network produced.
import { useState, type ImgHTMLAttributes } from 'react';

interface Props extends Omit<ImgHTMLAttributes<HTMLImageElement>, 'width' | 'style'> {
  /** The widest it may be drawn, in CSS pixels (it also never outgrows its container). */
  readonly maxWidth: number;
  readonly maxZoom?: number;
}

export function PixelImage({ maxWidth, maxZoom = 4, onLoad, className, ...img }: Props) {
  const [natural, setNatural] = useState<number>();
  const zoom = natural ? Math.max(1, Math.min(maxZoom, Math.floor(maxWidth / natural))) : 1;
  return (
    <img
      {...img}
      className={`pixel-image ${zoom > 1 ? 'pixel-zoomed' : ''} ${className ?? ''}`}
      style={natural ? { width: natural * zoom } : undefined}
      data-zoom={zoom}
      onLoad={(e) => { setNatural(e.currentTarget.naturalWidth); onLoad?.(e); }}
    />
  );
}
