{{/* Chart name. */}}
{{- define "nightglow.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped prefix of every object name. */}}
{{- define "nightglow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
The services the chart deploys as Deployments: values key -> component name.
Add a service here and give it a values block; every template ranges over this.
*/}}
{{- define "nightglow.components" -}}
broker: session-broker
executor: task-executor
recordStore: record-store
operator: operator
{{- end -}}

{{/* Labels of every object; call with (dict "root" $ "component" NAME). */}}
{{- define "nightglow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: nightglow
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "nightglow.selectorLabels" . }}
{{- end -}}

{{/* Selector labels; call with (dict "root" $ "component" NAME). */}}
{{- define "nightglow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nightglow.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Object name of a component; call with (dict "root" $ "component" NAME). */}}
{{- define "nightglow.componentName" -}}
{{- printf "%s-%s" (include "nightglow.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* An image reference; call with (dict "root" $ "image" IMAGE_VALUES). */}}
{{- define "nightglow.image" -}}
{{- $g := .root.Values.global -}}
{{- $tag := .image.tag | default $g.imageTag | default .root.Chart.AppVersion -}}
{{- $repo := .image.repository -}}
{{- if $g.imageRegistry -}}{{- $repo = printf "%s/%s" $g.imageRegistry $repo -}}{{- end -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{/* Name of the Secret holding tokenSecret, executorCallerKey, gatewaySecret and adminApiKey. */}}
{{- define "nightglow.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "nightglow.fullname" .)) -}}
{{- end -}}

{{/* The `secretKeyRef` env entries for the external stores' passwords; Kubernetes expands $(VAR) after them. */}}
{{- define "nightglow.redisEnv" -}}
{{- $r := .Values.redis -}}
{{- if $r.host }}
{{- if or $r.password $r.existingSecret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $r.existingSecret | default (include "nightglow.secretName" .) }}
      key: {{ ternary $r.existingSecretKey "redis-password" (ne $r.existingSecret "") }}
- name: REDIS_URL
  value: {{ printf "%s://:$(REDIS_PASSWORD)@%s:%d/%d" (ternary "rediss" "redis" $r.tls) $r.host (int $r.port) (int $r.database) | quote }}
{{- else }}
- name: REDIS_URL
  value: {{ printf "%s://%s:%d/%d" (ternary "rediss" "redis" $r.tls) $r.host (int $r.port) (int $r.database) | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "nightglow.postgresEnv" -}}
{{- $p := .Values.postgresql -}}
{{- if $p.host }}
{{- if or $p.password $p.existingSecret }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $p.existingSecret | default (include "nightglow.secretName" .) }}
      key: {{ ternary $p.existingSecretKey "postgres-password" (ne $p.existingSecret "") }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(DATABASE_PASSWORD)@%s:%d/%s?sslmode=%s" $p.user $p.host (int $p.port) $p.database $p.sslmode | quote }}
{{- else }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s@%s:%d/%s?sslmode=%s" $p.user $p.host (int $p.port) $p.database $p.sslmode | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* A secretKeyRef env entry; call with (dict "root" $ "name" VAR "key" KEY). */}}
{{- define "nightglow.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "nightglow.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* In-cluster gRPC URL of a component; call with (dict "root" $ "component" NAME "port" PORT). */}}
{{- define "nightglow.grpcUrl" -}}
{{- printf "http://%s.%s.svc:%d" (include "nightglow.componentName" .) .root.Release.Namespace (int .port) -}}
{{- end -}}
