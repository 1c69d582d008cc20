/**
 * Column descriptions that kube-apiserver puts in Table column definitions: the swagger docs of the fields a
 * column shows (types_swagger_doc_generated.go of k8s.io/api and apimachinery, Kubernetes 1.32), or the
 * printer's own sentence. kubectl never prints them; they are kept byte-identical so that a Table from
 * capstan diffs clean against one from Kubernetes.
 */

/** DESC_NAME is ObjectMeta.name's swagger doc, the description of every NAME column. */
export const DESC_NAME =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** DESC_CREATION_TIMESTAMP is ObjectMeta.creationTimestamp's swagger doc, the description of AGE columns. */
export const DESC_CREATION_TIMESTAMP =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** DESC_CONTAINER_NAMES is the printers' description of the wide CONTAINERS column of workloads. */
export const DESC_CONTAINER_NAMES = 'Names of each container in the template.';

/** DESC_CONTAINER_IMAGES is the printers' description of the wide IMAGES column of workloads. */
export const DESC_CONTAINER_IMAGES = 'Images referenced by each container in the template.';

/** DESC_POD is the swagger docs of the Pod fields behind pod columns. */
export const DESC_POD = {
  podIP: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
  nodeName:
    'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.',
  nominatedNodeName:
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
  readinessGates:
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
} as const;

const nodeAddresses =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

/** DESC_NODE is the swagger docs of the Node fields behind node columns. */
export const DESC_NODE = {
  kubeletVersion: 'Kubelet Version reported by the node.',
  addresses: nodeAddresses,
  osImage: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
  kernelVersion: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  containerRuntimeVersion: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
} as const;

/** DESC_SERVICE is the swagger docs of the ServiceSpec fields behind service columns. */
export const DESC_SERVICE = {
  type: 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  clusterIP:
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  externalIPs:
    'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
  ports:
    'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  selector:
    'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
} as const;

/** DESC_ENDPOINTS_SUBSETS is Endpoints.subsets' swagger doc. */
export const DESC_ENDPOINTS_SUBSETS =
  'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.';

/** DESC_EVENT is the swagger docs of the Event fields behind event columns. */
export const DESC_EVENT = {
  lastTimestamp: 'The time at which the most recent occurrence of this event was recorded.',
  type: 'Type of this event (Normal, Warning), new types could be added in the future',
  reason: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  involvedObject: 'The object that this event is about.',
  fieldPath:
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  source: 'The component reporting this event. Should be a short machine understandable string.',
  message: 'A human-readable description of the status of this operation.',
  firstTimestamp: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
  count: 'The number of times this event has occurred.',
} as const;

/** DESC_CONFIG_MAP_DATA is ConfigMap.data's swagger doc. */
export const DESC_CONFIG_MAP_DATA =
  "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";

/** DESC_SECRET is the swagger docs of the Secret fields behind secret columns. */
export const DESC_SECRET = {
  type: 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
  data: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
} as const;

/** DESC_SERVICE_ACCOUNT_SECRETS is ServiceAccount.secrets' swagger doc. */
export const DESC_SERVICE_ACCOUNT_SECRETS =
  'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret';

/**
 * DESC_REPLICA_SET is the swagger docs the ReplicaSet printer quotes; like kube-apiserver it takes them from
 * extensions/v1beta1.
 */
export const DESC_REPLICA_SET = {
  specReplicas:
    'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
  statusReplicas:
    'Replicas is the most recently oberved number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
  readyReplicas: 'The number of ready replicas for this replica set.',
  selector:
    'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
} as const;

/** DESC_DEPLOYMENT is the swagger docs the Deployment printer quotes (extensions/v1beta1). */
export const DESC_DEPLOYMENT = {
  updatedReplicas: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
  availableReplicas: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
  selector: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
} as const;

/** DESC_DAEMON_SET is the swagger docs the DaemonSet printer quotes (apps/v1). */
export const DESC_DAEMON_SET = {
  desiredNumberScheduled:
    'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
  currentNumberScheduled:
    'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
  numberReady: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
  updatedNumberScheduled: 'The total number of nodes that are running updated daemon pod',
  numberAvailable:
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
  nodeSelector:
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
  selector:
    "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
} as const;

/** DESC_CONTROLLER_REVISION_REVISION is ControllerRevision.revision's swagger doc. */
export const DESC_CONTROLLER_REVISION_REVISION = 'Revision indicates the revision of the state represented by Data.';

/** DESC_LEASE_HOLDER is LeaseSpec.holderIdentity's swagger doc. */
export const DESC_LEASE_HOLDER =
  'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.';

/** DESC_ENDPOINT_SLICE_ADDRESS_TYPE is EndpointSlice.addressType's swagger doc. */
export const DESC_ENDPOINT_SLICE_ADDRESS_TYPE =
  'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.';

/** DESC_ENDPOINT_SLICE_PORTS is EndpointSlice.ports' swagger doc. */
export const DESC_ENDPOINT_SLICE_PORTS =
  'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.';

/** DESC_ENDPOINT_SLICE_ENDPOINTS is EndpointSlice.endpoints' swagger doc. */
export const DESC_ENDPOINT_SLICE_ENDPOINTS = 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.';

/** DESC_JOB is what the Job printer's columns say: the batch/v1 swagger docs it quotes and its own sentences. */
export const DESC_JOB = {
  status: 'Status of the job.',
  succeeded:
    'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
  duration: 'Time required to complete the job.',
  selector:
    'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
} as const;

/** DESC_CRON_JOB is the swagger docs the CronJob printer quotes (batch/v1beta1, as kube-apiserver's printer does). */
export const DESC_CRON_JOB = {
  schedule: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.',
  timeZone:
    'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
  suspend: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.',
  active: 'A list of pointers to currently running jobs.',
  lastScheduleTime: 'Information when was the last time the job was successfully scheduled.',
} as const;

/** DESC_RBAC is the swagger docs of the bindings' roleRef, which the binding printers quote (rbac/v1beta1, as kube's do). */
export const DESC_RBAC = {
  roleBindingRoleRef:
    'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  clusterRoleBindingRoleRef: 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
} as const;
