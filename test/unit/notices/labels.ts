/** The 100 token labels of the golden tests: every numbering's shape, zero-padded ones, real zeros, long prefixes. */
const padded = ['007', '010', '001', '0100', '0007', '00012', 'W-007', 'E-01', 'P-0010', 'F-0105'];
const realZeros = ['10', '20', '100', '101', '105', '110', '1000', '1005', '2020', 'W-10', 'E-100', 'O-1010', 'P-2000', 'F-90', 'W-1000000', 'E-30', 'O-500', 'P-60', 'F-70', 'W-80'];
const plain = ['1', '7', '12', '13', '19', '21', '45', '51', '99', '123', '999', '1234', '9999', '12345', 'W-1', 'W-12', 'W-99', 'E-1', 'E-3', 'E-47', 'P-2', 'P-15', 'P-88', 'F-4', 'F-16', 'F-73', 'O-5', 'O-11', 'O-64', 'O-199'];
const prefixes = ['OPD-12', 'OPD-7', 'CARD-3', 'A1-5', 'B2-22', 'ENT-14', 'ORTHO-9', 'ABCDEFGH-12345', 'X-1', 'Y-2', 'Z-3', 'Q-4', 'GYN-36', 'PED-18', 'DERM-27', 'EYE-41', 'DENT-52', 'PHY-63', 'LAB-74', 'RAD-85'];
const spaced = ['W 12', 'E 3', 'P12', 'F7', 'O99', 'W-123', 'E-456', 'P-789', 'F-321', 'O-654', 'W-987', 'E-222', 'P-333', 'F-444', 'O-555', 'w-12', 'e-3', 'opd-8', 'W-0012', 'E-00099'];

/** The labels, each once. */
export const LABELS: readonly string[] = [...padded, ...realZeros, ...plain, ...prefixes, ...spaced];

/** The number of a label, its prefix and leading zeros dropped. */
export function numberOf(label: string): number {
  return Number(/(\d+)$/.exec(label)?.[1] ?? Number.NaN);
}
