{{/*
Every permission the operator gets, in one place. Tests compare these rules with the requests the
operator makes; keep them least-privilege: no wildcards, Secrets read-only.
*/}}

{{/*
Namespaced kinds, granted in every watched namespace (a Role per namespace), or cluster-wide
(ClusterRole) when watchNamespaces is empty.
*/}}
{{- define "geo.rbac.namespacedRules" -}}
# The custom resource: watch it; write only its status, by JSON patch (the spec belongs to GitOps).
- apiGroups: ["grading.inginious.org"]
  resources: ["gradingenvironments"]
  verbs: ["list", "watch"]
- apiGroups: ["grading.inginious.org"]
  resources: ["gradingenvironments/status"]
  verbs: ["patch"]
# Owner references with blockOwnerDeletion need it where OwnerReferencesPermissionEnforcement is on (OpenShift).
- apiGroups: ["grading.inginious.org"]
  resources: ["gradingenvironments/finalizers"]
  verbs: ["update"]
# PodTemplates (contract with the grader): watched, created, replaced, deleted with their environment.
- apiGroups: [""]
  resources: ["podtemplates"]
  verbs: ["list", "watch", "create", "update", "delete"]
# ConfigMaps: layers files and Dockerfiles are read from the informer cache; each Kaniko build gets
# one (immutable: created and pruned, read back only after a create conflict).
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "delete"]
# Each network-none environment's deny-all NetworkPolicy: watched, created, replaced, deleted.
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["list", "watch", "create", "update", "delete"]
# Kaniko build Jobs: created, watched and pruned (never updated).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
# Build pods: watched for their termination message / status.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
# Pre-pull DaemonSets, one per placement in a namespace, shared by its environments: watched,
# created, updated (with their resourceVersion: environments write their own entry) and deleted
# with their last environment.
- apiGroups: ["apps"]
  resources: ["daemonsets"]
  verbs: ["list", "watch", "create", "update", "delete"]
# Events about the environments (build started, succeeded, failed...): created, and their count
# patched when the same event repeats.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# Registry credentials (image.pushSecretRef / pullSecretRef): read one by name when needed, never listed.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
{{- end }}

{{/*
Cluster-scoped kinds: always a ClusterRole.
*/}}
{{- define "geo.rbac.clusterRules" -}}
# RuntimeClasses runc / crun (and the managed ones of `runtimes`): watched; created or corrected by
# the leader (a changed handler means delete and create: the field is immutable).
- apiGroups: ["node.k8s.io"]
  resources: ["runtimeclasses"]
  verbs: ["list", "watch", "create", "update", "delete"]
# Nodes: watched (labels, taints, allocatable GPUs, readiness) to tell whether any node can run an
# environment's pods, and which nodes its pre-pull pods belong on. Never written.
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["list", "watch"]
{{- end }}

{{/*
Leader election: a Lease in the release namespace (only with leaderElection.enabled).
*/}}
{{- define "geo.rbac.leaderElectionRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update", "patch"]
{{- end }}
