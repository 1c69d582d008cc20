/**
 * Label selectors (apimachinery's labels package): requirements, selectors, and the parser of the string
 * form that `kubectl -l` and `?labelSelector=` carry.
 *
 * Grammar (comma is AND; blanks — space, tab, CR, LF — separate tokens and are otherwise ignored):
 *
 *     selector    ::= requirement | requirement "," selector
 *     requirement ::= [!] KEY [ set-based | exact-match | numeric ]
 *     set-based   ::= ( "in" | "notin" ) "(" VALUE { "," VALUE } ")"
 *     exact-match ::= ( "=" | "==" | "!=" ) VALUE
 *     numeric     ::= ( ">" | "<" ) INTEGER
 *
 * A bare KEY means "exists", `!KEY` "does not exist"; values may be empty (`x=`, `x in (a,)`). Keys are
 * qualified names and values label values (validation.ts). Parsed requirements are sorted by key and their
 * value sets sorted and de-duplicated, so equal selectors print equal strings.
 */
import { InvalidRequirementError, LabelSelectorParseError } from './errors.js';
import { FieldError } from './field-errors.js';
import { type FieldPath, childPath } from './field-path.js';
import { isQualifiedName, isValidLabelValue } from './validation.js';

/** Labels is a label set to match against: key → value. */
export type Labels = Readonly<Record<string, string>>;

/** SelectionOperator is the operator of a Requirement, spelled as apimachinery's selection.Operator. */
export type SelectionOperator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

/** Operator names the SelectionOperators as apimachinery's selection package does. */
export const Operator = {
  DoesNotExist: '!',
  Equals: '=',
  DoubleEquals: '==',
  In: 'in',
  NotEquals: '!=',
  NotIn: 'notin',
  Exists: 'exists',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const satisfies Record<string, SelectionOperator>;

const binaryOperators: readonly SelectionOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const validOperators: readonly SelectionOperator[] = [...binaryOperators, 'exists', '!'];

function hasLabel(labels: Labels | undefined, key: string): boolean {
  return labels !== undefined && Object.prototype.hasOwnProperty.call(labels, key);
}

const int64Pattern = /^[+-]?[0-9]+$/;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** parseInt64 parses a base-10 int64 as Go's strconv.ParseInt does, or returns undefined. */
function parseInt64(s: string): bigint | undefined {
  if (!int64Pattern.test(s)) return undefined;
  const v = BigInt(s);
  return v < int64Min || v > int64Max ? undefined : v;
}

/**
 * Requirement is one condition of a selector: a key, an operator and a value set. Build one with
 * newRequirement, which validates it; a Requirement is immutable.
 */
export class Requirement {
  private constructor(
    /** key is the label key the requirement tests. */
    readonly key: string,
    /** operator relates the key's value to the values. */
    readonly operator: SelectionOperator,
    /** values is the value set, in the order given (parsed ones are sorted). */
    readonly values: readonly string[],
  ) {}

  /** unchecked builds a Requirement without validation, for input already known to be valid. */
  static unchecked(key: string, operator: SelectionOperator, values: readonly string[]): Requirement {
    return new Requirement(key, operator, Object.freeze([...values]));
  }

  /**
   * matches reports whether labels satisfy the requirement. In and equality need the key present with a
   * listed value; NotIn and != also match when the key is absent; gt/lt need an integer value.
   */
  matches(labels: Labels | undefined): boolean {
    switch (this.operator) {
      case 'in':
      case '=':
      case '==':
        return hasLabel(labels, this.key) && this.values.includes(labels![this.key]!);
      case 'notin':
      case '!=':
        return !hasLabel(labels, this.key) || !this.values.includes(labels![this.key]!);
      case 'exists':
        return hasLabel(labels, this.key);
      case '!':
        return !hasLabel(labels, this.key);
      case 'gt':
      case 'lt': {
        if (!hasLabel(labels, this.key) || this.values.length !== 1) return false;
        const have = parseInt64(labels![this.key]!);
        const want = parseInt64(this.values[0]!);
        if (have === undefined || want === undefined) return false;
        return this.operator === 'gt' ? have > want : have < want;
      }
    }
  }

  /** toString renders the requirement in selector syntax: `x in (a,b)`, `!y`, `z!=c`; values sorted. */
  toString(): string {
    let out = this.operator === '!' ? `!${this.key}` : this.key;
    switch (this.operator) {
      case 'exists':
      case '!':
        return out;
      case '=':
      case '==':
      case '!=':
        out += this.operator;
        break;
      case 'in':
      case 'notin':
        out += ` ${this.operator} `;
        break;
      case 'gt':
        out += '>';
        break;
      case 'lt':
        out += '<';
        break;
    }
    const values = this.values.length === 1 ? this.values[0]! : [...this.values].sort().join(',');
    return this.operator === 'in' || this.operator === 'notin' ? `${out}(${values})` : out + values;
  }

  /** equals reports whether other has the same key, operator and values in the same order. */
  equals(other: Requirement): boolean {
    return (
      this.key === other.key &&
      this.operator === other.operator &&
      this.values.length === other.values.length &&
      this.values.every((v, i) => v === other.values[i])
    );
  }
}

function validateLabelKey(key: string, path: FieldPath | undefined): FieldError | undefined {
  const errs = isQualifiedName(key);
  return errs.length > 0 ? FieldError.invalid(path, key, errs.join('; ')) : undefined;
}

/**
 * newRequirement validates and builds a Requirement (labels.NewRequirement): the key must be a qualified
 * name; In/NotIn need at least one value; =, ==, != exactly one; Exists/DoesNotExist none; gt/lt one integer;
 * every value must be a valid label value. Violations throw InvalidRequirementError with Kubernetes' message;
 * path prefixes the field names in it (`key`, `values[0][k]`).
 */
export function newRequirement(key: string, operator: SelectionOperator, values: readonly string[], path?: FieldPath): Requirement {
  const errs: FieldError[] = [];
  const keyErr = validateLabelKey(key, childPath(path, 'key'));
  if (keyErr !== undefined) errs.push(keyErr);
  const valuePath = childPath(path, 'values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(FieldError.invalid(valuePath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(FieldError.invalid(valuePath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(FieldError.invalid(valuePath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(FieldError.invalid(valuePath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(FieldError.invalid(valuePath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(FieldError.notSupported(childPath(path, 'operator'), operator, validOperators));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) errs.push(FieldError.invalid(valuePath.index(i).key(key), v, msgs.join('; ')));
  });
  if (errs.length > 0) throw new InvalidRequirementError(errs);
  return Requirement.unchecked(key, operator, values);
}

/**
 * Selector is a label query. Selectors are immutable values: add returns a new one.
 */
export interface Selector {
  /** matches reports whether labels satisfy every requirement. */
  matches(labels: Labels | undefined): boolean;
  /** empty reports whether the selector does not restrict anything (it matches everything). */
  empty(): boolean;
  /** toString renders the selector in its string syntax; it parses back to an equal selector. */
  toString(): string;
  /** add returns a selector with reqs added, requirements kept sorted by key. */
  add(...reqs: Requirement[]): Selector;
  /** requirements returns the requirements; selectable is false for the selector that matches nothing. */
  requirements(): { requirements: readonly Requirement[]; selectable: boolean };
  /**
   * requiresExactMatch returns the one value the selector demands for label (from =, == or a one-value
   * in), or undefined if it demands none — the API server uses it to narrow a list by an index.
   */
  requiresExactMatch(label: string): string | undefined;
}

function byKey(a: Requirement, b: Requirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

class RequirementsSelector implements Selector {
  constructor(private readonly reqs: readonly Requirement[]) {}

  matches(labels: Labels | undefined): boolean {
    return this.reqs.every((r) => r.matches(labels));
  }

  empty(): boolean {
    return this.reqs.length === 0;
  }

  toString(): string {
    return this.reqs.map((r) => r.toString()).join(',');
  }

  add(...reqs: Requirement[]): Selector {
    return new RequirementsSelector(Object.freeze([...this.reqs, ...reqs].sort(byKey)));
  }

  requirements(): { requirements: readonly Requirement[]; selectable: boolean } {
    return { requirements: this.reqs, selectable: true };
  }

  requiresExactMatch(label: string): string | undefined {
    const r = this.reqs.find((x) => x.key === label);
    if (r === undefined) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
}

class NothingSelector implements Selector {
  matches(): boolean {
    return false;
  }

  empty(): boolean {
    return false;
  }

  toString(): string {
    return '';
  }

  add(): Selector {
    return this;
  }

  requirements(): { requirements: readonly Requirement[]; selectable: boolean } {
    return { requirements: [], selectable: false };
  }

  requiresExactMatch(): string | undefined {
    return undefined;
  }
}

const everything: Selector = new RequirementsSelector(Object.freeze([]));
const nothing: Selector = new NothingSelector();

/** everythingSelector returns the selector that matches all label sets (labels.Everything). */
export function everythingSelector(): Selector {
  return everything;
}

/** nothingSelector returns the selector that matches no label set (labels.Nothing); it prints as ''. */
export function nothingSelector(): Selector {
  return nothing;
}

/** selectorFromRequirements returns a selector of reqs, sorted by key. */
export function selectorFromRequirements(reqs: readonly Requirement[]): Selector {
  return reqs.length === 0 ? everything : new RequirementsSelector(Object.freeze([...reqs].sort(byKey)));
}

/**
 * selectorFromSet returns the selector that requires every key of set to equal its value, without
 * validating them; an empty set gives everythingSelector (labels.SelectorFromSet).
 */
export function selectorFromSet(set: Labels | undefined): Selector {
  return selectorFromRequirements(Object.entries(set ?? {}).map(([k, v]) => Requirement.unchecked(k, '=', [v])));
}

/** validatedSelectorFromSet is selectorFromSet with every key and value validated (throws InvalidRequirementError). */
export function validatedSelectorFromSet(set: Labels | undefined): Selector {
  return selectorFromRequirements(Object.entries(set ?? {}).map(([k, v]) => newRequirement(k, '=', [v])));
}

// ---- lexer ----

type Token =
  | 'error'
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const string2token: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

interface ScannedItem {
  tok: Token;
  literal: string;
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

/** lex splits a selector string into tokens, ending with 'end'. Keywords are told from values later. */
function lex(s: string): ScannedItem[] {
  const items: ScannedItem[] = [];
  let pos = 0;
  // Go's lexer reads a NUL byte as end of input; so does this one.
  const read = (): string => (pos < s.length ? s[pos++]! : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: 'end', literal: '' });
      return items;
    }
    pos--;
    if (isSpecialSymbol(ch)) {
      // longest special-symbol token: "!=" over "!", "==" over "="
      let buffer = '';
      let last: ScannedItem | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecialSymbol(c)) {
          pos--;
          break;
        }
        buffer += c;
        const tok = string2token.get(buffer);
        if (tok !== undefined) {
          last = { tok, literal: buffer };
        } else if (last !== undefined) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buffer += c;
      }
      items.push({ tok: string2token.get(buffer) ?? 'identifier', literal: buffer });
    }
  }
}

// ---- parser ----

/** RequirementSyntaxError is a parser-internal failure inside one requirement; the parser wraps it. */
class RequirementSyntaxError extends Error {}

type ParserContext = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;

  constructor(
    private readonly items: readonly ScannedItem[],
    private readonly path: FieldPath | undefined,
  ) {}

  /** lookahead returns the current token; in a values context `in` and `notin` are plain identifiers. */
  private lookahead(context: ParserContext): ScannedItem {
    return this.contextual(this.items[this.position]!, context);
  }

  private consume(context: ParserContext): ScannedItem {
    return this.contextual(this.items[this.position++]!, context);
  }

  private contextual(item: ScannedItem, context: ParserContext): ScannedItem {
    if (context === 'values' && (item.tok === 'in' || item.tok === 'notIn')) return { tok: 'identifier', literal: item.literal };
    return item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead('values');
      switch (tok) {
        case 'identifier':
        case 'doesNotExist': {
          reqs.push(this.parseRequirementOrThrow());
          const next = this.consume('values');
          switch (next.tok) {
            case 'end':
              return reqs;
            case 'comma': {
              const after = this.lookahead('values');
              if (after.tok !== 'identifier' && after.tok !== 'doesNotExist') {
                throw new LabelSelectorParseError(`found '${after.literal}', expected: identifier after ','`);
              }
              break;
            }
            default:
              throw new LabelSelectorParseError(`found '${next.literal}', expected: ',' or 'end of string'`);
          }
          break;
        }
        case 'end':
          return reqs;
        default:
          throw new LabelSelectorParseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirementOrThrow(): Requirement {
    try {
      return this.parseRequirement();
    } catch (err) {
      if (err instanceof InvalidRequirementError || err instanceof RequirementSyntaxError) {
        throw new LabelSelectorParseError(`unable to parse requirement: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, [], this.path);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...values].sort(), this.path);
  }

  private parseKeyAndInferOperator(): { key: string; operator: SelectionOperator | undefined } {
    let operator: SelectionOperator | undefined;
    let item = this.consume('values');
    if (item.tok === 'doesNotExist') {
      operator = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'identifier') throw new RequirementSyntaxError(`found '${item.literal}', expected: identifier`);
    const keyErr = validateLabelKey(item.literal, this.path);
    if (keyErr !== undefined) throw new InvalidRequirementError([keyErr]);
    const next = this.lookahead('values').tok;
    if ((next === 'end' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: item.literal, operator };
  }

  private parseOperator(): SelectionOperator {
    const { tok, literal } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new RequirementSyntaxError(`found '${literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('values');
    if (open.tok !== 'openPar') throw new RequirementSyntaxError(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead('values');
    switch (tok) {
      case 'identifier':
      case 'comma': {
        const s = this.parseIdentifiersList();
        // Kubernetes reports the token that opened the list here, not the one that failed to close it.
        if (this.consume('values').tok !== 'closedPar') throw new RequirementSyntaxError(`found '${literal}', expected: ')'`);
        return s;
      }
      case 'closedPar':
        this.consume('values');
        return new Set(['']);
      default:
        throw new RequirementSyntaxError(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume('values');
      switch (tok) {
        case 'identifier': {
          s.add(literal);
          const next = this.lookahead('values');
          if (next.tok === 'comma') continue;
          if (next.tok === 'closedPar') return s;
          throw new RequirementSyntaxError(`found '${next.literal}', expected: ',' or ')'`);
        }
        case 'comma': {
          if (s.size === 0) s.add(''); // "(," starts with an empty value
          const next = this.lookahead('values').tok;
          if (next === 'closedPar') {
            s.add(''); // ",)" ends with one
            return s;
          }
          if (next === 'comma') {
            this.consume('values');
            s.add(''); // ",," holds one
          }
          break;
        }
        default:
          throw new RequirementSyntaxError(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead('values').tok;
    if (next === 'end' || next === 'comma') return new Set(['']);
    const { tok, literal } = this.consume('values');
    if (tok === 'identifier') return new Set([literal]);
    throw new RequirementSyntaxError(`found '${literal}', expected: identifier`);
  }
}

/**
 * parseSelector parses the string form of a label selector (labels.Parse). The empty string is
 * everythingSelector. Malformed input throws LabelSelectorParseError with Kubernetes' message; path, when
 * given, prefixes the field names of validation failures as field.WithPath does.
 */
export function parseSelector(selector: string, path?: FieldPath): Selector {
  return selectorFromRequirements(parseToRequirements(selector, path));
}

/** parseToRequirements parses a selector string into its requirements, sorted by key (labels.ParseToRequirements). */
export function parseToRequirements(selector: string, path?: FieldPath): Requirement[] {
  return new Parser(lex(selector), path).parse().sort(byKey);
}
