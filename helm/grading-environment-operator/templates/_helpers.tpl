{{/*
Chart name, truncated to the 63 characters of a DNS label.
*/}}
{{- define "geo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects.
*/}}
{{- define "geo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "geo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "geo.labels" -}}
helm.sh/chart: {{ include "geo.chart" . }}
{{ include "geo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: inginious
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels the Deployment selects its pods by (immutable: never add to them).
*/}}
{{- define "geo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "geo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "geo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "geo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Operator image: repository@digest when a digest is given, else repository:tag (tag defaults to
the appVersion).
*/}}
{{- define "geo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Where the operator reads its configuration (the ConfigMap of configmap.yaml).
*/}}
{{- define "geo.configDir" -}}/etc/grading-environment-operator{{- end }}
{{- define "geo.configFile" -}}{{ include "geo.configDir" . }}/config.yaml{{- end }}

{{/*
The operator configuration file (DESIGN.md "Operator configuration"), from values.
*/}}
{{- define "geo.config" -}}
{{- if not (hasKey .Values.runtimes .Values.defaultRuntime) }}
{{- fail (printf "defaultRuntime %q is not a key of runtimes (%s)" .Values.defaultRuntime (keys .Values.runtimes | sortAlpha | join ", ")) }}
{{- end }}
{{- $config := dict "defaultRuntime" .Values.defaultRuntime "runtimes" .Values.runtimes "builds" .Values.builds "grading" .Values.grading "prePull" .Values.prePull }}
{{- toYaml $config }}
{{- end }}
