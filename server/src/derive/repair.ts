// Repairs of legacy faults in copied values, only where the meaning is certain, plus the
// Type 2 attributes of the modules we write, added empty when the source lacks them.
//
// Repaired: ACR-NEMA dates "1995.07.20" -> DA "19950720" and times "11:22:07" -> TM "112207"
// (the standard's own pre-1993 forms, PS3.5 6.2 notes), at any depth; a one-valued Pixel
// Aspect Ratio "1" (a writer's way of saying 1:1, which needs no attribute) is dropped.
// Never changed: anything else that is invalid for its VR (zero pixel spacing, a hash in a DA,
// over-long identifiers): there is no meaning-preserving repair, so it stays as the source has
// it and dciodvfy reports the same complaint on the source.

import type { DataSet, Element, TextVr } from './dataset.js';

const LEGACY_DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const LEGACY_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/;

export function repairDate(value: string): string {
  const m = LEGACY_DATE.exec(value.trim());
  return m ? `${m[1]}${m[2]}${m[3]}` : value;
}

export function repairTime(value: string): string {
  const m = LEGACY_TIME.exec(value.trim());
  return m ? `${m[1]}${m[2]}${m[3] ?? ''}${m[4] ?? ''}` : value;
}

/** Convert legacy DA/TM values in place, recursing into sequences. */
export function repairLegacyValues(ds: DataSet): void {
  for (const [tag, el] of ds) {
    if (el.vr === 'SQ') el.items.forEach(repairLegacyValues);
    else if (el.vr === 'DA') ds.set(tag, { vr: 'DA', values: el.values.map(repairDate) });
    else if (el.vr === 'TM') ds.set(tag, { vr: 'TM', values: el.values.map(repairTime) });
  }
  const aspect = ds.get('00280034');
  if (aspect && 'values' in aspect && aspect.values.length === 1 && Number(aspect.values[0]) === 1) ds.delete('00280034');
}

type Type2 = readonly [tag: string, vr: TextVr | 'SQ', keyword: string];

// Type 2 attributes of the modules every derived object has (PS3.3 C.7.1.1 Patient, C.7.2.1
// General Study, C.7.3.1 General Series, C.7.5.1 General Equipment, C.7.6.1 General Image).
// Patient Orientation is 2C there, required when there is no Image Plane module: always so
// for projection radiographs.
const COMMON: readonly Type2[] = [
  ['00100010', 'PN', 'PatientName'], ['00100020', 'LO', 'PatientID'], ['00100030', 'DA', 'PatientBirthDate'],
  ['00100040', 'CS', 'PatientSex'], ['00080020', 'DA', 'StudyDate'], ['00080030', 'TM', 'StudyTime'],
  ['00080090', 'PN', 'ReferringPhysicianName'], ['00200010', 'SH', 'StudyID'], ['00080050', 'SH', 'AccessionNumber'],
  ['00080070', 'LO', 'Manufacturer'], ['00200020', 'CS', 'PatientOrientation'],
];
// CR Series (C.8.1.1): Body Part Examined and View Position are Type 2.
const CR: readonly Type2[] = [['00180015', 'CS', 'BodyPartExamined'], ['00185101', 'CS', 'ViewPosition']];
// DX Anatomy Imaged (C.8.11.2), DX Detector (C.8.11.4), Acquisition Context (C.7.6.14).
const DX: readonly Type2[] = [
  ['00082218', 'SQ', 'AnatomicRegionSequence'], ['00187004', 'CS', 'DetectorType'], ['00400555', 'SQ', 'AcquisitionContextSequence'],
];

export const SOP_CLASS = {
  CR: '1.2.840.10008.5.1.4.1.1.1',
  DX_PREFIX: '1.2.840.10008.5.1.4.1.1.1.', // DX, mammography and intra-oral, for presentation and processing
  SC: '1.2.840.10008.5.1.4.1.1.7',
} as const;

export function type2For(sopClassUid: string): readonly Type2[] {
  if (sopClassUid === SOP_CLASS.CR) return [...COMMON, ...CR];
  if (sopClassUid.startsWith(SOP_CLASS.DX_PREFIX)) return [...COMMON, ...DX];
  return COMMON;
}

/**
 * Drop empty sequences that are not Type 2 in the object we write: they carry nothing, and
 * some macros forbid them (an empty Anatomic Region Sequence is only allowed where it is Type
 * 2, in the DX family; copied into a CR or Secondary Capture object it would be an error).
 */
export function dropEmptySequences(ds: DataSet, sopClassUid: string): void {
  const type2 = new Set(type2For(sopClassUid).map(([tag]) => tag));
  for (const [tag, el] of ds) if (el.vr === 'SQ' && el.items.length === 0 && !type2.has(tag)) ds.delete(tag);
}

/** Add each missing Type 2 attribute of `sopClassUid`'s modules with an empty value. */
export function addMissingType2(ds: DataSet, sopClassUid: string): string[] {
  const added: string[] = [];
  for (const [tag, vr, keyword] of type2For(sopClassUid)) {
    if (ds.has(tag)) continue;
    const empty: Element = vr === 'SQ' ? { vr, items: [] } : { vr, values: [] };
    ds.set(tag, empty);
    added.push(keyword);
  }
  return added;
}
