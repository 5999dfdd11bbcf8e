{{/*
Every permission the operator gets, in one place. Tests compare these rules with the requests the
operator makes; keep them least-privilege: no wildcards, Secrets read-only.
*/}}

{{/*
Namespaced kinds, granted in every watched namespace (a Role per namespace), or cluster-wide
(ClusterRole) when watchNamespaces is empty.
*/}}
{{- define "geo.rbac.namespacedRules" -}}
# The custom resource: read it; write only its status (the spec belongs to GitOps).
- apiGroups: ["grading.inginious.org"]
  resources: ["gradingenvironments"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["grading.inginious.org"]
  resources: ["gradingenvironments/status"]
  verbs: ["get", "patch", "update"]
# PodTemplates (contract with the grader) and ConfigMaps (Dockerfiles of Kaniko builds).
- apiGroups: [""]
  resources: ["podtemplates", "configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Deny-all NetworkPolicy for environments with network: none.
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Kaniko build Jobs: created, watched and pruned (never updated).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
# Build pods: read their termination message / status.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# Registry credentials (image.pushSecretRef): read-only.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
# Kubernetes events about GradingEnvironments.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/*
Cluster-scoped kinds: always a ClusterRole.
*/}}
{{- define "geo.rbac.clusterRules" -}}
# RuntimeClasses runc / crun (and the managed ones of `runtimes`).
- apiGroups: ["node.k8s.io"]
  resources: ["runtimeclasses"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end }}

{{/*
Leader election: a Lease in the release namespace (only with leaderElection.enabled).
*/}}
{{- define "geo.rbac.leaderElectionRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}
