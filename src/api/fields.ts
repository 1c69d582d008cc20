/**
 * Field selectors (apimachinery's fields package): `?fieldSelector=spec.nodeName=node-1,status.phase!=Failed`.
 * Terms are `field=value`, `field==value` or `field!=value`, ANDed by commas; there is no whitespace
 * trimming. In values, `\`, `,` and `=` are escaped with a backslash (escapeFieldValue); field names are not
 * escaped, so a term splits at its first operator. A field absent from the object's field set has the value
 * '' — `spec.nodeName=` selects unscheduled pods.
 */
import { FieldSelectorParseError } from './errors.js';
import type { ObjectMeta } from './meta-v1.js';

/** Fields is the field set of one object: field path → value, e.g. `{'metadata.name': 'web-1'}`. */
export type Fields = Readonly<Record<string, string>>;

/** FieldGetters maps each selectable field of a kind to a function that reads it from an object. */
export type FieldGetters<T> = Readonly<Record<string, (obj: T) => string | undefined>>;

/** FieldRequirement is one term of a field selector. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** FieldTransform rewrites a term's field and value (or throws); returning two empty strings drops the term. */
export type FieldTransform = (field: string, value: string) => { field: string; value: string };

/** FieldSelector is a query on an object's field set. Selectors are immutable. */
export interface FieldSelector {
  /** matches reports whether the field set satisfies every term. */
  matches(fields: Fields | undefined): boolean;
  /** empty reports whether the selector does not restrict anything. */
  empty(): boolean;
  /** requiresExactMatch returns the value an `=` term demands for field, or undefined. */
  requiresExactMatch(field: string): string | undefined;
  /** transform returns the selector with fn applied to every term. */
  transform(fn: FieldTransform): FieldSelector;
  /** requirements lists the terms. */
  requirements(): FieldRequirement[];
  /** toString renders the selector with values escaped; it parses back to an equal selector. */
  toString(): string;
}

function get(fields: Fields | undefined, field: string): string {
  return fields !== undefined && Object.prototype.hasOwnProperty.call(fields, field) ? fields[field]! : '';
}

class Term implements FieldSelector {
  constructor(
    private readonly field: string,
    private readonly operator: '=' | '!=',
    private readonly value: string,
  ) {}

  matches(fields: Fields | undefined): boolean {
    return (get(fields, this.field) === this.value) === (this.operator === '=');
  }

  empty(): boolean {
    return false;
  }

  requiresExactMatch(field: string): string | undefined {
    return this.operator === '=' && this.field === field ? this.value : undefined;
  }

  transform(fn: FieldTransform): FieldSelector {
    const t = fn(this.field, this.value);
    if (t.field.length === 0 && t.value.length === 0) return everythingFieldSelector();
    return new Term(t.field, this.operator, t.value);
  }

  requirements(): FieldRequirement[] {
    return [{ field: this.field, operator: this.operator, value: this.value }];
  }

  toString(): string {
    return `${this.field}${this.operator}${escapeFieldValue(this.value)}`;
  }
}

class AndTerm implements FieldSelector {
  constructor(private readonly terms: readonly FieldSelector[]) {}

  matches(fields: Fields | undefined): boolean {
    return this.terms.every((t) => t.matches(fields));
  }

  empty(): boolean {
    return this.terms.every((t) => t.empty());
  }

  requiresExactMatch(field: string): string | undefined {
    for (const t of this.terms) {
      const v = t.requiresExactMatch(field);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  transform(fn: FieldTransform): FieldSelector {
    return new AndTerm(this.terms.map((t) => t.transform(fn)).filter((t) => !t.empty()));
  }

  requirements(): FieldRequirement[] {
    return this.terms.flatMap((t) => t.requirements());
  }

  toString(): string {
    return this.terms.map((t) => t.toString()).join(',');
  }
}

class NothingFieldSelector implements FieldSelector {
  matches(): boolean {
    return false;
  }

  empty(): boolean {
    return false;
  }

  requiresExactMatch(): string | undefined {
    return undefined;
  }

  transform(): FieldSelector {
    return this;
  }

  requirements(): FieldRequirement[] {
    return [];
  }

  toString(): string {
    return '';
  }
}

const everything: FieldSelector = new AndTerm([]);
const nothing: FieldSelector = new NothingFieldSelector();

/** everythingFieldSelector matches every object (fields.Everything). */
export function everythingFieldSelector(): FieldSelector {
  return everything;
}

/** nothingFieldSelector matches no object (fields.Nothing). */
export function nothingFieldSelector(): FieldSelector {
  return nothing;
}

/** oneTermEqualSelector selects objects whose field equals value. */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return new Term(field, '=', value);
}

/** oneTermNotEqualSelector selects objects whose field differs from value. */
export function oneTermNotEqualSelector(field: string, value: string): FieldSelector {
  return new Term(field, '!=', value);
}

/** andFieldSelectors ANDs selectors. */
export function andFieldSelectors(...selectors: FieldSelector[]): FieldSelector {
  return new AndTerm(selectors);
}

/** fieldSelectorFromSet selects objects whose fields equal every entry of set, terms in field order. */
export function fieldSelectorFromSet(set: Fields | undefined): FieldSelector {
  if (set === undefined) return everything;
  const terms = Object.keys(set)
    .sort()
    .map((k) => new Term(k, '=', set[k]!));
  return terms.length === 1 ? terms[0]! : new AndTerm(terms);
}

/** escapeFieldValue escapes `\`, `,` and `=` with a backslash so any string can be a selector value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * unescapeFieldValue reverses escapeFieldValue. An escape other than `\\`, `\,`, `\=`, a trailing lone
 * backslash, or an unescaped `,` or `=` throws FieldSelectorParseError with Kubernetes' message (which prints
 * the offending character as its code point, as Go's `%v` of a rune does).
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') {
        out += c;
        inSlash = false;
        continue;
      }
      throw new FieldSelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new FieldSelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)!}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** splitTerms splits at commas not escaped by a backslash; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

/** splitTerm splits a term at its first operator; `==` is tried before `=` so no '=' is left on the value. */
function splitTerm(term: string): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * parseAndTransformFieldSelector parses a field selector and applies fn to each term, which is how the API
 * server maps and rejects field labels per kind (fields.ParseAndTransformSelector).
 */
export function parseAndTransformFieldSelector(selector: string, fn: FieldTransform): FieldSelector {
  const parts = splitTerms(selector).sort();
  const items: FieldSelector[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (t === undefined) throw new FieldSelectorParseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    items.push(new Term(t.lhs, t.op === '!=' ? '!=' : '=', unescapeFieldValue(t.rhs)));
  }
  return (items.length === 1 ? items[0]! : new AndTerm(items)).transform(fn);
}

/**
 * parseFieldSelector parses a field selector string (fields.ParseSelector); the empty string selects
 * everything. Malformed input throws FieldSelectorParseError.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  return parseAndTransformFieldSelector(selector, (field, value) => ({ field, value }));
}

/**
 * objectMetaFieldsSet is the field set every kind supports: `metadata.name`, and `metadata.namespace` for
 * namespaced kinds (generic.ObjectMetaFieldsSet).
 */
export function objectMetaFieldsSet(meta: ObjectMeta, namespaced: boolean): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': meta.name ?? '' };
  if (namespaced) fields['metadata.namespace'] = meta.namespace ?? '';
  return fields;
}

/**
 * namedFields reads only the named fields of obj — what a selector asks about — as the union of
 * objectMetaFieldsSet and fieldsFromGetters has them (a getter wins over the metadata field of the same name),
 * without running every getter. A name neither knows is left out.
 */
export function namedFields<T extends { readonly metadata: ObjectMeta }>(getters: FieldGetters<T>, namespaced: boolean, obj: T, names: readonly string[]): Record<string, string> {
  const meta = objectMetaFieldsSet(obj.metadata, namespaced);
  const fields: Record<string, string> = {};
  for (const name of names) {
    const getter = Object.prototype.hasOwnProperty.call(getters, name) ? getters[name] : undefined;
    if (getter !== undefined) fields[name] = getter(obj) ?? '';
    else if (Object.prototype.hasOwnProperty.call(meta, name)) fields[name] = meta[name]!;
  }
  return fields;
}

/** fieldsFromGetters reads an object's field set through a kind's getters; missing values read as ''. */
export function fieldsFromGetters<T>(getters: FieldGetters<T>, obj: T): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [field, getter] of Object.entries(getters)) fields[field] = getter(obj) ?? '';
  return fields;
}
