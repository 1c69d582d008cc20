/**
 * LISTEN_BACKLOG is the accept queue every capstan listener asks for. The kernel caps it at
 * net.core.somaxconn, which is what Go's servers (etcd, kube-apiserver) get. Node's default, 511, overflows
 * when hundreds of clients connect at once to an event loop that is busy (a thousand hollow kubelets whose
 * pod workers each open a connection): the kernel drops the SYNs it has no room for, and each of those
 * clients waits 1, then 2, then 4 s… for its retry before its first byte is read.
 */
export const LISTEN_BACKLOG = 65_535;
