/**
 * What node-feature-discovery accepts from a feature file, rule by rule, each with the
 * place in NFD's source it comes from (kubernetes-sigs/node-feature-discovery, read at its
 * master branch) or in the Kubernetes code NFD calls. A file that breaks one of them loses
 * labels silently in a real cluster, so tests hold every NFD output to all of them.
 */

/** source/local/local.go, MaxFeatureFileSize: a larger file is skipped whole. */
export const NFD_MAX_FILE_BYTES = 65536;

/**
 * k8s.io/apimachinery/pkg/util/validation IsQualifiedName: the name part, at most 63
 * characters, alphanumeric at both ends, '-', '_' and '.' inside.
 */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** ... and its prefix: a DNS-1123 subdomain, at most 253 characters, lower case. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** IsValidLabelValue: empty, or at most 63 characters of the same shape as a name. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/**
 * Go's time.Parse(time.RFC3339, …), which local.go applies to `# +expiry-time=`: a
 * four-digit year, two-digit fields, optional fractional seconds, Z or ±hh:mm.
 */
const GO_RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
/** source/local/local.go, parseDirectives: the only directives; any other is an error. */
const DIRECTIVES = new Set(['expiry-time', 'no-label', 'no-feature']);
/** api/nfd/v1alpha1/annotations_labels.go: the namespaces NFD allows under kubernetes.io. */
const NFD_NAMESPACES = ['feature.node.kubernetes.io', 'profile.node.kubernetes.io'];

export interface NfdFile {
  /** Label key -> value, as NFD's local source would read them (the last one wins). */
  labels: Map<string, string>;
  expiryTime: string | null;
}

/**
 * Checks `text` against every rule above and returns what NFD would read, or throws an
 * Error naming the broken rule and the line.
 */
export function checkNfdFeatureFile(text: string, fileName = 'rdma-probe'): NfdFile {
  const fail = (rule: string, line?: string): never => {
    throw new Error(
      `NFD rule broken: ${rule}${line === undefined ? '' : ` in ${JSON.stringify(line)}`}`,
    );
  };
  // local.go getFeaturesFromFiles: names starting with "." are ignored (our temporaries).
  if (fileName.startsWith('.')) fail('a hidden file is never read');
  if (Buffer.byteLength(text) > NFD_MAX_FILE_BYTES) fail(`larger than ${NFD_MAX_FILE_BYTES} bytes`);
  const labels = new Map<string, string>();
  let expiryTime: string | null = null;
  // local.go parseFeatureFile: split on "\n", each line trimmed, "#" lines are comments or
  // directives, every other line is key[=value].
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!line.startsWith('# +')) continue;
      const [key, value] = splitOnce(line.slice(3));
      if (!DIRECTIVES.has(key)) fail('unknown directive', line);
      if (key === 'expiry-time') {
        if (value === null) fail('expiry-time needs a value', line);
        // A directive applies to the lines after it: one after a label would leave that
        // label without an expiry.
        if (labels.size > 0) fail('expiry-time after labels', line);
        const match = GO_RFC3339.exec(value!.trim());
        if (!match || !validDate(match)) fail("not Go's RFC 3339", line);
        expiryTime = value!.trim();
      }
      continue;
    }
    const [key, value] = splitOnce(line);
    checkLabel(key, value ?? 'true', line, fail);
    if (labels.has(key)) fail('the same label twice (the last would win)', line);
    labels.set(key, value ?? 'true');
  }
  return { labels, expiryTime };
}

/** pkg/apis/nfd/validate/validate.go, Label(). */
function checkLabel(
  key: string,
  value: string,
  line: string,
  fail: (rule: string, line?: string) => never,
): void {
  const slash = key.indexOf('/');
  // Unprefixed keys are rejected once DisableAutoPrefix is on (ErrUnprefixedKeysNotAllowed).
  if (slash < 0) fail('a label without a namespace', line);
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (namespace.length > 253 || !DNS1123_SUBDOMAIN.test(namespace)) {
    fail('the namespace is not a DNS-1123 subdomain', line);
  }
  if (name.length > 63 || !QUALIFIED_NAME.test(name))
    fail('the name is not a qualified name', line);
  const underKubernetes = namespace === 'kubernetes.io' || namespace.endsWith('.kubernetes.io');
  const allowed = NFD_NAMESPACES.some((ns) => namespace === ns || namespace.endsWith(`.${ns}`));
  if (underKubernetes && !allowed) fail('a kubernetes.io namespace NFD does not allow', line);
  if (value.length > 63 || !LABEL_VALUE.test(value)) fail('not a valid label value', line);
}

function splitOnce(text: string): [string, string | null] {
  const at = text.indexOf('=');
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

function validDate(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  const zoneOk = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= days &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    zoneOk
  );
}
