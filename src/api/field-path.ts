/**
 * FieldPath names a field inside an object the way apimachinery's field.Path does — `metadata.labels[app]`,
 * `spec.containers[0].image` — so validation messages point where Kubernetes' do.
 */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly name: string,
    private readonly subscript: string,
  ) {}

  /** root starts a path at name, followed by moreNames as children (field.NewPath). */
  static root(name: string, ...moreNames: string[]): FieldPath {
    let p = new FieldPath(undefined, name, '');
    for (const n of moreNames) p = new FieldPath(p, n, '');
    return p;
  }

  /** child returns the path of a named field below this one. */
  child(name: string, ...moreNames: string[]): FieldPath {
    let p = new FieldPath(this, name, '');
    for (const n of moreNames) p = new FieldPath(p, n, '');
    return p;
  }

  /** index returns the path of the i-th element of this list field: `containers[0]`. */
  index(i: number): FieldPath {
    return new FieldPath(this, '', String(i));
  }

  /** key returns the path of an entry of this map field: `labels[app]`. */
  key(k: string): FieldPath {
    return new FieldPath(this, '', k);
  }

  /** toString renders the path as Kubernetes does: names joined by '.', subscripts in brackets. */
  toString(): string {
    const elems: FieldPath[] = [];
    for (let p: FieldPath | undefined = this; p !== undefined; p = p.parent) elems.push(p);
    let out = '';
    for (let i = elems.length - 1; i >= 0; i--) {
      const p = elems[i]!;
      if (p.name.length > 0) {
        if (p.parent !== undefined) out += '.';
        out += p.name;
      } else {
        out += `[${p.subscript}]`;
      }
    }
    return out;
  }
}

/**
 * childPath returns the named child of parent, or a root path when there is no parent (Go's nil *Path.Child
 * behaves the same way).
 */
export function childPath(parent: FieldPath | undefined, name: string, ...moreNames: string[]): FieldPath {
  return parent === undefined ? FieldPath.root(name, ...moreNames) : parent.child(name, ...moreNames);
}

/** pathString renders p, or `<nil>` for the absent path, as Go prints a nil *field.Path. */
export function pathString(p: FieldPath | undefined): string {
  return p === undefined ? '<nil>' : p.toString();
}
