/**
 * etcdctl's `-w json` prints 64-bit IDs (cluster_id, member_id, lease IDs) as bare JSON numbers, which
 * JSON.parse would round. parseEtcdJson turns every integer literal into its decimal string first, the
 * same convention as proto-loader's `longs: String`, so the suites compare IDs exactly (BigInt(s)).
 */

/** quoteIntegers rewrites every integer literal outside string literals as a JSON string. */
export function quoteIntegers(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== '"') j += text.charAt(j) === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text.charAt(j))) j++;
      const token = text.slice(i, j);
      out += /^-?\d+$/.test(token) ? `"${token}"` : token;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** parseEtcdJson parses one JSON document with every integer as a decimal string. */
export function parseEtcdJson<T>(text: string): T {
  return JSON.parse(quoteIntegers(text)) as T;
}

/** b64 is the base64 form etcdctl's JSON output uses for keys and values. */
export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** unb64 decodes a base64 key or value from etcdctl's JSON output. */
export function unb64(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}
