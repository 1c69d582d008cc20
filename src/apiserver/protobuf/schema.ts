/**
 * The Kubernetes protobuf schema capstan speaks (proto/k8s/, mirroring Kubernetes' generated.proto files),
 * loaded once into a protobufjs Root, and the plan of each message: its fields in Go struct order (the order
 * of Go's JSON) and in field-number order (the order gogo-protobuf writes them), with the Go JSON shape of
 * each field taken from the `(gojson)` option (proto/k8s/README.md) and the well-known types that have a JSON
 * form of their own (Time, MicroTime, IntOrString, Quantity, FieldsV1 and RawExtension: raw JSON, and ExtraValue: a
 * list of strings).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** K8S_PROTO_DIR is the absolute path of proto/k8s/, resolved the same from src/apiserver/protobuf and dist/. */
export const K8S_PROTO_DIR = fileURLToPath(new URL('../../../proto/k8s/', import.meta.url));

/** K8S_PROTO_FILES are the schema's roots, relative to K8S_PROTO_DIR; their imports resolve there too. */
export const K8S_PROTO_FILES: readonly string[] = [
  'api/core/v1/generated.proto',
  'api/apps/v1/generated.proto',
  'api/batch/v1/generated.proto',
  'api/autoscaling/v1/generated.proto',
  'api/coordination/v1/generated.proto',
  'api/discovery/v1/generated.proto',
  'api/rbac/v1/generated.proto',
  'api/policy/v1/generated.proto',
  'api/scheduling/v1/generated.proto',
  'api/authorization/v1/generated.proto',
  'api/authentication/v1/generated.proto',
];

/** META_V1 is the protobuf package of k8s.io/apimachinery/pkg/apis/meta/v1. */
export const META_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** GoShape is how a field serializes in Go's JSON (proto/k8s/README.md). */
export type GoShape = 'value' | 'always' | 'ptr' | 'ptr_null' | 'inline';

/** WellKnown names the messages whose JSON form is not an object of their fields. */
export type WellKnown = 'time' | 'microtime' | 'intorstring' | 'quantity' | 'rawjson' | 'stringlist';

const WELL_KNOWN: Readonly<Record<string, WellKnown>> = {
  [`.${META_V1}.Time`]: 'time',
  [`.${META_V1}.MicroTime`]: 'microtime',
  [`.${META_V1}.FieldsV1`]: 'rawjson',
  '.k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawjson',
  '.k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intorstring',
  '.k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  // ExtraValue masks a []string so it can be a map value: in JSON it is the list itself.
  '.k8s.io.api.authorization.v1.ExtraValue': 'stringlist',
  '.k8s.io.api.authentication.v1.ExtraValue': 'stringlist',
};

/** EMBEDDED_TYPE_META are the messages that may carry kind and apiVersion when nested (see MessagePlan). */
const EMBEDDED_TYPE_META: ReadonlySet<string> = new Set(['.k8s.io.api.core.v1.PersistentVolumeClaim']);

const SHAPES = new Set<string>(['always', 'ptr', 'ptr_null', 'inline']);

/** FieldPlan is one field of a MessagePlan. */
export interface FieldPlan {
  /** name is both the protobuf field name and the JSON key (Kubernetes keeps them equal). */
  readonly name: string;
  readonly id: number;
  readonly shape: GoShape;
  readonly repeated: boolean;
  /** map fields have a keyType; their values are described by scalar/message like any field's. */
  readonly keyType: string | undefined;
  /** scalar is the protobuf scalar type, for scalar fields and scalar map values. */
  readonly scalar: string | undefined;
  /** message is the plan of message fields and message map values, resolved on first use. */
  readonly message: (() => MessagePlan) | undefined;
  /** wellKnown is set when the message has a JSON form of its own. */
  readonly wellKnown: WellKnown | undefined;
}

/** MessagePlan is how one message maps to and from Go's JSON. */
export interface MessagePlan {
  readonly type: protobuf.Type;
  /** fields are in declaration order: the Go struct order, which is the key order of Go's JSON. */
  readonly fields: readonly FieldPlan[];
  /** byId finds a field by its number while reading the wire. */
  readonly byId: ReadonlyMap<number, FieldPlan>;
  /** encodeOrder is the fields by ascending number, the order gogo-protobuf writes them in. */
  readonly encodeOrder: readonly FieldPlan[];
  /** jsonKeys are the keys the message accepts in JSON, with those of inline members. */
  readonly jsonKeys: ReadonlySet<string>;
  /** byJsonKey finds the field a JSON key sets, looking through inline members. */
  readonly byJsonKey: ReadonlyMap<string, FieldPlan>;
  /** typeMeta is true for top-level objects and lists, whose JSON also carries kind and apiVersion. */
  readonly typeMeta: boolean;
  /**
   * embeddedTypeMeta is true for the few messages whose Go struct embeds TypeMeta even where they are nested (a
   * StatefulSet's PersistentVolumeClaim templates), so kind and apiVersion are fields of theirs at any depth.
   */
  readonly embeddedTypeMeta: boolean;
}

let root: protobuf.Root | undefined;
const plans = new WeakMap<protobuf.Type, MessagePlan>();

/** kubeProtoRoot parses the schema on first call and returns the same Root on every later call. */
export function kubeProtoRoot(): protobuf.Root {
  if (root === undefined) {
    const r = new protobuf.Root();
    // Imports name files relative to proto/k8s/, not to the importing file.
    r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(K8S_PROTO_DIR, target));
    r.loadSync([...K8S_PROTO_FILES], { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** planFor returns the (memoised) plan of a message type. */
export function planFor(type: protobuf.Type): MessagePlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    plan = buildPlan(type);
    plans.set(type, plan);
  }
  return plan;
}

/** planOf returns the plan of a message by its full name, e.g. `k8s.io.api.core.v1.Pod`. */
export function planOf(fullName: string): MessagePlan {
  return planFor(kubeProtoRoot().lookupType(fullName));
}

function buildPlan(type: protobuf.Type): MessagePlan {
  const fields = type.fieldsArray.map((f): FieldPlan => {
    const opt = (f.options as Record<string, unknown> | undefined)?.['(gojson)'];
    if (opt !== undefined && (typeof opt !== 'string' || !SHAPES.has(opt))) throw new Error(`proto: ${type.fullName}.${f.name}: unknown (gojson) option ${String(opt)}`);
    const resolved = f.resolvedType;
    const msg = resolved instanceof protobuf.Type ? resolved : undefined;
    if (resolved !== null && msg === undefined) throw new Error(`proto: ${type.fullName}.${f.name}: enums are not used by Kubernetes`);
    return {
      name: f.name,
      id: f.id,
      shape: (opt as GoShape | undefined) ?? 'value',
      repeated: f.repeated,
      keyType: f instanceof protobuf.MapField ? f.keyType : undefined,
      scalar: msg === undefined ? f.type : undefined,
      message: msg === undefined ? undefined : () => planFor(msg),
      wellKnown: msg === undefined ? undefined : WELL_KNOWN[msg.fullName],
    };
  });
  const byJsonKey = new Map<string, FieldPlan>();
  for (const f of fields) {
    if (f.shape === 'inline' && f.message !== undefined) for (const [k, inner] of f.message().byJsonKey) byJsonKey.set(k, inner);
    else byJsonKey.set(f.name, f);
  }
  const jsonKeys: ReadonlySet<string> = new Set(byJsonKey.keys());
  const metadata = fields.find((f) => f.name === 'metadata');
  const metaType = metadata?.message?.().type.fullName;
  return {
    type,
    fields,
    byId: new Map(fields.map((f) => [f.id, f])),
    encodeOrder: [...fields].sort((a, b) => a.id - b.id),
    jsonKeys,
    byJsonKey,
    typeMeta: metaType === `.${META_V1}.ObjectMeta` || metaType === `.${META_V1}.ListMeta`,
    embeddedTypeMeta: EMBEDDED_TYPE_META.has(type.fullName),
  };
}
