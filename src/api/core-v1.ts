/**
 * core/v1 wire types (k8s.io/api/core/v1) for the kinds capstan serves: Namespace, Node, Pod, Binding,
 * Service, Endpoints, Event, ConfigMap, Secret, ServiceAccount. Field names and optionality follow the JSON
 * the API server emits; fields capstan has no use for (volumes, probes, security contexts beyond the basics)
 * are left out rather than half-modelled.
 */
import type {
  Condition,
  ConditionStatus,
  IntOrString,
  KubeList,
  KubeObject,
  LabelSelector,
  MicroTime,
  ObjectMeta,
  Time,
  UID,
} from './meta-v1.js';

/** ResourceName names a compute resource: `cpu`, `memory`, `pods`, `ephemeral-storage`, extended ones. */
export type ResourceName = string;

/** ResourceList maps resource names to quantities in their string form (see quantity.ts), e.g. `{cpu: '100m'}`. */
export type ResourceList = Record<ResourceName, string>;

/** RESOURCE_CPU is the CPU resource, in cores (`1`, `500m`). */
export const RESOURCE_CPU = 'cpu';
/** RESOURCE_MEMORY is the memory resource, in bytes (`128Mi`). */
export const RESOURCE_MEMORY = 'memory';
/** RESOURCE_PODS is the number of pods a node can run. */
export const RESOURCE_PODS = 'pods';
/** RESOURCE_EPHEMERAL_STORAGE is local ephemeral storage, in bytes. */
export const RESOURCE_EPHEMERAL_STORAGE = 'ephemeral-storage';

/** ObjectReference points at another object, for Events, Bindings and Endpoints. */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: UID;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** LocalObjectReference names an object in the same namespace. */
export interface LocalObjectReference {
  name?: string;
}

// ---- Namespace ----

/** NamespacePhase is Active, or Terminating once deletion has begun. */
export type NamespacePhase = 'Active' | 'Terminating';

/** NamespaceCondition is a condition of a terminating namespace. */
export interface NamespaceCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** NamespaceSpec holds the namespace finalizers (`kubernetes`) that the namespace controller clears. */
export interface NamespaceSpec {
  finalizers?: string[];
}

/** NamespaceStatus is the namespace's phase. */
export interface NamespaceStatus {
  phase?: NamespacePhase;
  conditions?: NamespaceCondition[];
}

/** Namespace is a cluster-scoped scope for names. */
export interface Namespace extends KubeObject {
  spec?: NamespaceSpec;
  status?: NamespaceStatus;
}

/** NamespaceList is a list of Namespaces. */
export type NamespaceList = KubeList<Namespace>;

// ---- Node ----

/** TaintEffect says what a taint does to pods that do not tolerate it. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** Taint repels pods that do not tolerate it. */
export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** timeAdded is set for NoExecute taints, to time evictions. */
  timeAdded?: Time;
}

/** NodeSpec is what an operator or controller sets on a node. */
export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
  taints?: Taint[];
}

/** NodeConditionType names a node condition; Ready is the one the node lifecycle controller watches. */
export type NodeConditionType = 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable' | (string & {});

/** NodeCondition reports one aspect of a node's health, refreshed by the node agent's heartbeats. */
export interface NodeCondition {
  type: NodeConditionType;
  status: ConditionStatus;
  lastHeartbeatTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** NodeAddressType is the kind of a node address. */
export type NodeAddressType = 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';

/** NodeAddress is one address of a node. */
export interface NodeAddress {
  type: NodeAddressType;
  address: string;
}

/** DaemonEndpoint is a port of a node daemon. Kubernetes serializes its field as `Port`, capitalized. */
export interface DaemonEndpoint {
  Port: number;
}

/** NodeDaemonEndpoints lists the node agent's endpoints. */
export interface NodeDaemonEndpoints {
  kubeletEndpoint?: DaemonEndpoint;
}

/** NodeSystemInfo describes the node's software and hardware. */
export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion?: string;
  operatingSystem: string;
  architecture: string;
}

/** NodeStatus is what the node agent reports: resources, conditions, addresses, software. */
export interface NodeStatus {
  capacity?: ResourceList;
  /** allocatable is capacity minus system reservations: what the scheduler may place pods against. */
  allocatable?: ResourceList;
  phase?: string;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: NodeDaemonEndpoints;
  nodeInfo?: NodeSystemInfo;
}

/** Node is a machine (here, a hollow node agent) that runs pods. Cluster-scoped. */
export interface Node extends KubeObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

/** NodeList is a list of Nodes. */
export type NodeList = KubeList<Node>;

// ---- Pod ----

/** Protocol is a transport protocol of a port. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** ContainerPort is a port a container listens on. */
export interface ContainerPort {
  name?: string;
  hostPort?: number;
  containerPort: number;
  protocol?: Protocol;
  hostIP?: string;
}

/** ObjectFieldSelector selects a field of the pod for an environment variable (downward API). */
export interface ObjectFieldSelector {
  apiVersion?: string;
  fieldPath: string;
}

/** ResourceFieldSelector selects a container resource for an environment variable. */
export interface ResourceFieldSelector {
  containerName?: string;
  resource: string;
  divisor?: string;
}

/** ConfigMapKeySelector selects a key of a ConfigMap. */
export interface ConfigMapKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

/** SecretKeySelector selects a key of a Secret. */
export interface SecretKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

/** EnvVarSource takes an environment variable's value from elsewhere. */
export interface EnvVarSource {
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  configMapKeyRef?: ConfigMapKeySelector;
  secretKeyRef?: SecretKeySelector;
}

/** EnvVar is one environment variable of a container. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

/** ResourceRequirements are a container's requests (what scheduling reserves) and limits. */
export interface ResourceRequirements {
  limits?: ResourceList;
  requests?: ResourceList;
}

/** PullPolicy says when the image is pulled. */
export type PullPolicy = 'Always' | 'Never' | 'IfNotPresent';

/** TerminationMessagePolicy says where a container's termination message comes from. */
export type TerminationMessagePolicy = 'File' | 'FallbackToLogsOnError';

/** Container is one container of a pod. */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: ContainerPort[];
  env?: EnvVar[];
  resources?: ResourceRequirements;
  imagePullPolicy?: PullPolicy;
  terminationMessagePath?: string;
  terminationMessagePolicy?: TerminationMessagePolicy;
}

/** NodeSelectorOperator is the operator of a node selector requirement; Gt and Lt compare integers. */
export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/** NodeSelectorRequirement is one requirement on a node's labels (or, in matchFields, its fields). */
export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values?: string[];
}

/** NodeSelectorTerm ANDs its requirements; an empty term matches no node. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  /** matchFields supports only `metadata.name`. */
  matchFields?: NodeSelectorRequirement[];
}

/** NodeSelector ORs its terms. */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

/** PreferredSchedulingTerm adds weight (1–100) to nodes matching preference. */
export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

/** NodeAffinity constrains (required) or steers (preferred) a pod towards nodes by their labels. */
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

/** PodAffinityTerm selects pods in namespaces whose nodes share topologyKey with the candidate node. */
export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  namespaces?: string[];
  topologyKey: string;
  namespaceSelector?: LabelSelector;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

/** WeightedPodAffinityTerm is a preferred PodAffinityTerm with a weight (1–100). */
export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

/** PodAffinity attracts a pod to nodes running matching pods. */
export interface PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** PodAntiAffinity repels a pod from nodes running matching pods. */
export interface PodAntiAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** Affinity groups a pod's scheduling constraints. */
export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: PodAffinity;
  podAntiAffinity?: PodAntiAffinity;
}

/** TolerationOperator is Equal (key and value match) or Exists (key matches, any value). */
export type TolerationOperator = 'Exists' | 'Equal';

/** Toleration lets a pod schedule onto (or stay on) nodes with a matching taint. */
export interface Toleration {
  key?: string;
  operator?: TolerationOperator;
  value?: string;
  effect?: TaintEffect;
  /** tolerationSeconds bounds how long a NoExecute taint is tolerated. */
  tolerationSeconds?: number;
}

/** UnsatisfiableConstraintAction says what to do when a spread constraint cannot be met. */
export type UnsatisfiableConstraintAction = 'DoNotSchedule' | 'ScheduleAnyway';

/** NodeInclusionPolicy says whether node affinity or taints decide which nodes count for spreading. */
export type NodeInclusionPolicy = 'Ignore' | 'Honor';

/** TopologySpreadConstraint spreads matching pods across topology domains within maxSkew. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: UnsatisfiableConstraintAction;
  labelSelector?: LabelSelector;
  minDomains?: number;
  nodeAffinityPolicy?: NodeInclusionPolicy;
  nodeTaintsPolicy?: NodeInclusionPolicy;
  matchLabelKeys?: string[];
}

/** RestartPolicy says when a pod's containers are restarted. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** DNSPolicy says how a pod resolves names. */
export type DNSPolicy = 'ClusterFirstWithHostNet' | 'ClusterFirst' | 'Default' | 'None';

/** PreemptionPolicy says whether a pod may preempt lower-priority pods. */
export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

/** PodSecurityContext holds the pod-level security settings capstan passes through. */
export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
}

/** PodSpec is the desired state of a pod. */
export interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  restartPolicy?: RestartPolicy;
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  dnsPolicy?: DNSPolicy;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  /** serviceAccount is the deprecated alias of serviceAccountName, still filled in by the server. */
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  /** nodeName is set by the scheduler's Binding; a pod with nodeName set is bound. */
  nodeName?: string;
  hostNetwork?: boolean;
  securityContext?: PodSecurityContext;
  imagePullSecrets?: LocalObjectReference[];
  hostname?: string;
  subdomain?: string;
  affinity?: Affinity;
  /** schedulerName picks the scheduler; `default-scheduler` when unset. */
  schedulerName?: string;
  tolerations?: Toleration[];
  priorityClassName?: string;
  /** priority is resolved from priorityClassName at admission; higher schedules first and may preempt. */
  priority?: number;
  enableServiceLinks?: boolean;
  preemptionPolicy?: PreemptionPolicy;
  overhead?: ResourceList;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /** volumes are typed only as far as capstan reads them: a name and the source's fields. */
  volumes?: Volume[];
}

/** Volume is a pod volume: its name and one source (`persistentVolumeClaim`, `configMap`, `emptyDir` …). */
export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

/** PodPhase is the coarse lifecycle state of a pod. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** PodConditionType names a pod condition. */
export type PodConditionType =
  | 'PodScheduled'
  | 'PodReadyToStartContainers'
  | 'Initialized'
  | 'ContainersReady'
  | 'Ready'
  | 'DisruptionTarget'
  | (string & {});

/** PodCondition is one condition of a pod (PodScheduled=False with reason Unschedulable, Ready, …). */
export interface PodCondition {
  type: PodConditionType;
  status: ConditionStatus;
  lastProbeTime?: Time | null;
  lastTransitionTime?: Time | null;
  reason?: string;
  message?: string;
}

/** ContainerStateWaiting is a container not yet running. */
export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}

/** ContainerStateRunning is a running container. */
export interface ContainerStateRunning {
  startedAt?: Time;
}

/** ContainerStateTerminated is a container that has exited. */
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: Time;
  finishedAt?: Time;
  containerID?: string;
}

/** ContainerState holds exactly one of waiting, running or terminated. */
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

/** ContainerStatus is the node agent's report on one container. */
export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
}

/** PodIP is one IP of a pod. */
export interface PodIP {
  ip: string;
}

/** HostIP is one IP of the pod's node. */
export interface HostIP {
  ip: string;
}

/** PodQOSClass is derived from requests and limits. */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** PodStatus is the observed state of a pod. */
export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  /** nominatedNodeName is where a preempting pod expects to land. */
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: HostIP[];
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: Time;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  qosClass?: PodQOSClass;
}

/** Pod is a group of containers scheduled together onto one node. */
export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

/** PodList is a list of Pods. */
export type PodList = KubeList<Pod>;

/** PodTemplateSpec is the pod a controller stamps out (Deployment, ReplicaSet). */
export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/** Binding binds a pod to a node: the scheduler POSTs it to `pods/<name>/binding`. */
export interface Binding extends KubeObject {
  target: ObjectReference;
}

// ---- Service and Endpoints ----

/** ServiceType says how a service is exposed. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

/** ServicePort maps a service port to a target port of the selected pods. */
export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  /** targetPort is a number, or the name of a container port. */
  targetPort?: IntOrString;
  nodePort?: number;
}

/** ServiceSpec is the desired state of a service. */
export interface ServiceSpec {
  ports?: ServicePort[];
  /** selector picks the pods behind the service; no selector means Endpoints are managed by hand. */
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: ServiceType;
  /** allocateLoadBalancerNodePorts false gives a LoadBalancer Service no node ports but those it names. */
  allocateLoadBalancerNodePorts?: boolean;
  externalIPs?: string[];
  sessionAffinity?: 'ClientIP' | 'None';
  externalName?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  publishNotReadyAddresses?: boolean;
}

/** LoadBalancerIngress is one ingress point of a load-balanced service. */
export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

/** ServiceStatus is the observed state of a service. */
export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
  conditions?: Condition[];
}

/** Service is a stable name and address in front of a set of pods. */
export interface Service extends KubeObject {
  spec?: ServiceSpec;
  status?: ServiceStatus;
}

/** ServiceList is a list of Services. */
export type ServiceList = KubeList<Service>;

/** EndpointAddress is one backend address, usually a pod's IP. */
export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

/** EndpointPort is a port of the backends. */
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: Protocol;
  appProtocol?: string;
}

/** EndpointSubset is a set of addresses sharing a set of ports. */
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** Endpoints lists the backends of the service of the same name. */
export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

/** EndpointsList is a list of Endpoints. */
export type EndpointsList = KubeList<Endpoints>;

// ---- Event ----

/** EventSource names the component (and host) that reported an event. */
export interface EventSource {
  component?: string;
  host?: string;
}

/** EventSeries summarizes repeats of an event. */
export interface EventSeries {
  count?: number;
  lastObservedTime?: MicroTime;
}

/** EventType is Normal or Warning. */
export type EventType = 'Normal' | 'Warning';

/** Event records something that happened to an object (`kubectl describe` shows them). */
export interface Event extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: EventSource;
  firstTimestamp?: Time | null;
  lastTimestamp?: Time | null;
  count?: number;
  type?: EventType;
  eventTime?: MicroTime | null;
  series?: EventSeries;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

/** EventList is a list of Events. */
export type EventList = KubeList<Event>;

// ---- ConfigMap, Secret, ServiceAccount ----

/** ConfigMap holds configuration data. */
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  /** binaryData values are base64 on the wire. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** ConfigMapList is a list of ConfigMaps. */
export type ConfigMapList = KubeList<ConfigMap>;

/** Secret holds sensitive data; data values are base64 on the wire. */
export interface Secret extends KubeObject {
  data?: Record<string, string>;
  /** stringData is write-only plain text merged into data by the server. */
  stringData?: Record<string, string>;
  /** type is e.g. `Opaque`, `kubernetes.io/service-account-token`, `kubernetes.io/tls`. */
  type?: string;
  immutable?: boolean;
}

/** SecretList is a list of Secrets. */
export type SecretList = KubeList<Secret>;

/** ServiceAccount is an identity for processes in pods. */
export interface ServiceAccount extends KubeObject {
  secrets?: ObjectReference[];
  imagePullSecrets?: LocalObjectReference[];
  automountServiceAccountToken?: boolean;
}

/** ServiceAccountList is a list of ServiceAccounts. */
export type ServiceAccountList = KubeList<ServiceAccount>;

/** ScopedResourceSelectorRequirement selects the pods a quota tracks by a scope (and, for PriorityClass, values). */
export interface ScopedResourceSelectorRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** ScopeSelector ANDs scope requirements. */
export interface ScopeSelector {
  matchExpressions?: ScopedResourceSelectorRequirement[];
}

/** ResourceQuotaSpec is the hard limits of a namespace's use, over the objects the scopes select. */
export interface ResourceQuotaSpec {
  hard?: ResourceList;
  scopes?: string[];
  scopeSelector?: ScopeSelector;
}

/** ResourceQuotaStatus is the enforced limits and the current use of each. */
export interface ResourceQuotaStatus {
  hard?: ResourceList;
  used?: ResourceList;
}

/** ResourceQuota bounds the aggregate resource use of one namespace. */
export interface ResourceQuota extends KubeObject {
  spec?: ResourceQuotaSpec;
  status?: ResourceQuotaStatus;
}

/** LimitType is what a LimitRangeItem constrains. */
export type LimitType = 'Pod' | 'Container' | 'PersistentVolumeClaim';

/** LimitRangeItem is the bounds and defaults of one kind of object's resources. */
export interface LimitRangeItem {
  type: LimitType;
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}

/** LimitRangeSpec lists the items. */
export interface LimitRangeSpec {
  limits: LimitRangeItem[];
}

/** LimitRange sets per-object resource bounds and defaults in a namespace. */
export interface LimitRange extends KubeObject {
  spec?: LimitRangeSpec;
}
