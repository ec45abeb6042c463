// The UCI data model and its operations, with libuci's semantics (list.c): sections in file
// order, options in first-set order, anonymous sections named cfgNNHHHH at creation, type
// changes, list/string conversions, reordering. Pure: every operation mutates a package in
// memory and reports what a delta file would record.

export type UciValue = string | string[];

export interface UciOption {
  name: string;
  value: UciValue;
}

export interface UciSection {
  name: string;
  type: string;
  /** created without a name (config TYPE, uci add); renaming makes it named */
  anonymous: boolean;
  options: UciOption[];
}

export interface UciPackage {
  name: string;
  sections: UciSection[];
  /** libuci's n_section: sections allocated so far, the NN of the next cfgNNHHHH */
  allocated: number;
}

export class UciOperationError extends Error {
  constructor(readonly kind: 'notfound' | 'invalid', message: string) {
    super(message);
  }
}

const NAME = /^[A-Za-z0-9_]+$/;
const PACKAGE_NAME = /^[A-Za-z0-9_-]+$/;

/** Section and option names: letters, digits and "_" (libuci's uci_validate_name). */
export function isUciName(name: string): boolean {
  return NAME.test(name);
}

/** Package names also allow "-". */
export function isUciPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}

/** Section types: any printable ASCII but blanks (uci_validate_type). */
export function isUciType(type: string): boolean {
  return /^[\x21-\x7e]+$/.test(type);
}

/** Values: no control characters but tab, newline and carriage return (uci_validate_text). */
export function isUciText(value: string): boolean {
  return !/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(value);
}

export function newPackage(name: string): UciPackage {
  return { name, sections: [], allocated: 0 };
}

/** Bernstein's hash as libuci's djbhash: seeded with 5381, 31 bits kept after each string. */
export function djbHash(seed: number | undefined, text: string): number {
  let hash = seed ?? 5381;
  for (const byte of Buffer.from(text, 'utf8')) {
    // libuci adds a plain char: bytes >= 0x80 are negative on signed-char ABIs (x86, mips)
    const c = byte >= 0x80 ? byte - 256 : byte;
    hash = (Math.imul(hash, 33) + c) >>> 0;
  }
  return hash & 0x7fffffff;
}

/**
 * The name libuci gives an anonymous section when it is created (uci_fixup_section): its
 * counter in two or more hex digits and 16 bits of the hash of its type. Options are not part
 * of it: a section read from a file or made by `uci add` has none yet when it is named.
 */
export function anonymousSectionName(counter: number, type: string): string {
  return `cfg${counter.toString(16).padStart(2, '0')}${(djbHash(undefined, type) % 65536).toString(16).padStart(4, '0')}`;
}

export function findSection(pkg: UciPackage, name: string): UciSection | undefined {
  return pkg.sections.find((s) => s.name === name);
}

export function findOption(section: UciSection, name: string): UciOption | undefined {
  return section.options.find((o) => o.name === name);
}

/**
 * `@type[index]` / `@[index]` (any type); a negative index counts from the end. Returns the
 * section or undefined; throws 'invalid' for a malformed reference, as uci_lookup_ext_section.
 */
export function findExtendedSection(pkg: UciPackage, reference: string): UciSection | undefined {
  const match = /^@([^[]*)\[([^\]]*)\]$/.exec(reference);
  if (match === null) throw new UciOperationError('invalid', `invalid section reference "${reference}"`);
  const type = match[1]!;
  const index = parseCLong(match[2]!);
  if (index === undefined || (type !== '' && !isUciType(type))) throw new UciOperationError('invalid', `invalid section reference "${reference}"`);
  const candidates = pkg.sections.filter((s) => type === '' || s.type === type);
  const at = index < 0 ? index + candidates.length : index;
  return candidates[at];
}

/** strtol(s, &end, 10) that must consume the whole string (leading blanks and a sign allowed). */
function parseCLong(text: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(text);
  return match === null ? (text === '' ? 0 : undefined) : Number(match[1]);
}

/** A section reference as uci_lookup_ptr resolves it: a plain name, or the extended syntax. */
export function resolveSection(pkg: UciPackage, reference: string): UciSection | undefined {
  return isUciName(reference) ? findSection(pkg, reference) : findExtendedSection(pkg, reference);
}

function allocateSection(pkg: UciPackage, type: string, name: string | undefined, at?: number): UciSection {
  pkg.allocated++;
  const section: UciSection = { name: name ?? '', type, anonymous: name === undefined, options: [] };
  if (at === undefined) pkg.sections.push(section);
  else pkg.sections.splice(at, 0, section);
  return section;
}

/** uci_add_section: a new anonymous section at the end, named at once. */
export function addSection(pkg: UciPackage, type: string): UciSection {
  const section = allocateSection(pkg, type, undefined);
  section.name = anonymousSectionName(pkg.allocated, type);
  return section;
}

/** What uci_set did: nothing (same value, or deleting what is not there), or a change to record. */
export type SetOutcome = 'unchanged' | 'changed' | 'deleted';

/**
 * uci_set on a section (`pkg.sec=type`): creates a named section or changes the type of an
 * existing one (an empty type deletes it).
 */
export function setSection(pkg: UciPackage, name: string, type: string): SetOutcome {
  const existing = findSection(pkg, name);
  if (type === '') {
    if (existing === undefined) return 'unchanged';
    pkg.sections.splice(pkg.sections.indexOf(existing), 1);
    return 'deleted';
  }
  if (!isUciType(type)) throw new UciOperationError('invalid', `invalid section type "${type}"`);
  if (existing === undefined) {
    allocateSection(pkg, type, name);
    return 'changed';
  }
  if (existing.type === type) return 'unchanged';
  existing.type = type;
  return 'changed';
}

/** uci_set on an option: creates it, replaces a string or a list by a string; '' deletes it. */
export function setOption(section: UciSection, name: string, value: string): SetOutcome {
  const existing = findOption(section, name);
  if (value === '') {
    if (existing === undefined) return 'unchanged';
    section.options.splice(section.options.indexOf(existing), 1);
    return 'deleted';
  }
  if (existing === undefined) {
    section.options.push({ name, value });
    return 'changed';
  }
  if (typeof existing.value === 'string' && existing.value === value) return 'unchanged';
  existing.value = value;
  return 'changed';
}

/** uci_add_list: appends an item; a string option becomes a list holding it first. */
export function addListItem(section: UciSection, name: string, value: string): void {
  const existing = findOption(section, name);
  if (existing === undefined) section.options.push({ name, value: [value] });
  else if (typeof existing.value === 'string') existing.value = [existing.value, value];
  else existing.value.push(value);
}

/** uci_del_list: removes every item equal to value; false when there is no such list. */
export function deleteListItem(section: UciSection, name: string, value: string): boolean {
  const existing = findOption(section, name);
  if (existing === undefined || typeof existing.value === 'string') return false;
  existing.value = existing.value.filter((item) => item !== value);
  return true;
}

/** uci_delete of a list item by index (`uci delete pkg.sec.list=N`). */
export function deleteListIndex(section: UciSection, name: string, index: number): void {
  const existing = findOption(section, name);
  if (existing !== undefined && Array.isArray(existing.value) && index >= 0 && index < existing.value.length) existing.value.splice(index, 1);
}

export function deleteOption(section: UciSection, name: string): boolean {
  const index = section.options.findIndex((o) => o.name === name);
  if (index < 0) return false;
  section.options.splice(index, 1);
  return true;
}

export function deleteSection(pkg: UciPackage, section: UciSection): void {
  const index = pkg.sections.indexOf(section);
  if (index >= 0) pkg.sections.splice(index, 1);
}

/** uci_rename: a renamed section is no longer anonymous. */
export function renameSection(section: UciSection, name: string): void {
  section.name = name;
  section.anonymous = false;
}

export function renameOption(option: UciOption, name: string): void {
  option.name = name;
}

/** uci_reorder_section: moves the section to position `position` (past the end: last). */
export function reorderSection(pkg: UciPackage, section: UciSection, position: number): boolean {
  const from = pkg.sections.indexOf(section);
  if (from < 0) return false;
  pkg.sections.splice(from, 1);
  const to = Math.max(0, Math.min(position, pkg.sections.length));
  pkg.sections.splice(to, 0, section);
  return from !== to;
}

/** A deep copy, so that a failed batch of changes can be thrown away. */
export function clonePackage(pkg: UciPackage): UciPackage {
  return {
    name: pkg.name,
    allocated: pkg.allocated,
    sections: pkg.sections.map((s) => ({ ...s, options: s.options.map((o) => ({ name: o.name, value: Array.isArray(o.value) ? [...o.value] : o.value })) })),
  };
}
