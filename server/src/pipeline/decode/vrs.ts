// The VRs of PS3.5 Table 6.2-1 by their explicit-VR element header (PS3.5 Table 7.1-1/7.1-2):
// the long form has 2 reserved bytes and a 32-bit length, the short form a 16-bit length. One
// list for every byte-level reader and writer of the node (meta header, ingest scan, export,
// derive's writer), so a VR added to the standard is added once.

export const LONG_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export const SHORT_VRS: ReadonlySet<string> = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST', 'TM', 'UI', 'UL', 'US',
]);

/** Every VR the standard defines. */
export const KNOWN_VRS: ReadonlySet<string> = new Set([...LONG_VRS, ...SHORT_VRS]);
