// Where a file comes in: drop it, or press Enter/Space (or click) to pick one. Also takes a
// paste of an image from the clipboard. One file at a time; nothing is uploaded by dropping.
import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';

const ACCEPT = '.png,.jpg,.jpeg,.dcm,.dicom,image/png,image/jpeg,application/dicom';

export function DropZone({ onFile, busy, current }: { onFile: (f: File) => void; busy: boolean; current?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const pick = (): void => input.current?.click();
  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file) onFile(file);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      pick();
    }
  };
  return (
    <div className={`try-drop ${over ? 'try-drop-over' : ''} ${busy ? 'try-drop-busy' : ''}`} role="button" tabIndex={0} aria-label="Choose or drop a PNG, JPEG or DICOM file"
      data-testid="try-drop" onClick={pick} onKeyDown={onKey} onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)} onDrop={onDrop}>
      <div className="try-drop-icon" aria-hidden="true">⇪</div>
      <div><strong>Drop a chest radiograph here</strong> or press Enter to choose one</div>
      <div className="muted small">PNG (8 or 16 bit), JPEG or DICOM · {current ? <>now: <span className="mono">{current}</span></> : 'nothing loaded yet'}</div>
      <input ref={input} type="file" accept={ACCEPT} hidden data-testid="try-file"
        onChange={(e) => { const f = e.target.files?.[0]; if (f) onFile(f); e.target.value = ''; }} />
    </div>
  );
}
