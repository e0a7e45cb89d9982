{{/*
Environment of each service, computed from values. A service's `config` block is
merged over this (its keys win); the result is that service's ConfigMap. Call each
with (dict "root" $ "v" SERVICE_VALUES).
*/}}
{{- define "nightglow.config.common" -}}
{{- $g := .root.Values.global -}}
BIND_HOST: "0.0.0.0"
LOG_LEVEL: {{ $g.logLevel | quote }}
DRAIN_DELAY: {{ $g.drainDelay | quote }}
{{- if $g.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $g.otlpEndpoint | quote }}
{{- end }}
{{- if .root.Values.kafka.brokers }}
EVENT_BUS: kafka
KAFKA_BROKERS: {{ join "," .root.Values.kafka.brokers | quote }}
KAFKA_TOPIC_PREFIX: {{ .root.Values.kafka.topicPrefix | quote }}
{{- else }}
EVENT_BUS: memory
{{- end }}
{{- end -}}

{{- define "nightglow.config.ports" -}}
GRPC_PORT: {{ .v.grpcPort | quote }}
HTTP_PORT: {{ .v.httpPort | quote }}
{{- end -}}

{{- define "nightglow.config.stateStore" -}}
STATE_STORE: {{ ternary "redis" "memory" (ne .root.Values.redis.host "") }}
{{- end -}}

{{- define "nightglow.config.broker" -}}
{{ include "nightglow.config.common" . }}
{{ include "nightglow.config.ports" . }}
{{ include "nightglow.config.stateStore" . }}
{{- $bp := .root.Values.browserPool }}
{{- if $bp.enabled }}
{{- $k8s := dict "namespace" .root.Release.Namespace "service" (include "nightglow.componentName" (dict "root" .root "component" "browser-pool")) "portName" "cdp" "port" (int $bp.sidecar.gatewayPort) "sidecarPort" (int $bp.sidecar.grpcPort) }}
POOLS: {{ dict "pools" (list (dict "name" $bp.name "source" "kubernetes" "kubernetes" $k8s)) | toJson | quote }}
{{- end }}
{{- end -}}

{{- define "nightglow.config.executor" -}}
{{ include "nightglow.config.common" . }}
{{ include "nightglow.config.ports" . }}
{{ include "nightglow.config.stateStore" . }}
BROKER_URL: {{ include "nightglow.grpcUrl" (dict "root" .root "component" "session-broker" "port" .root.Values.broker.grpcPort) | quote }}
{{- end -}}

{{- define "nightglow.config.recordStore" -}}
{{ include "nightglow.config.common" . }}
{{ include "nightglow.config.ports" . }}
{{- if not .root.Values.postgresql.host }}
PGLITE_DIR: /data/records
{{- end }}
{{- end -}}

{{- define "nightglow.config.operator" -}}
{{ include "nightglow.config.common" . }}
BROKER_URL: {{ include "nightglow.grpcUrl" (dict "root" .root "component" "session-broker" "port" .root.Values.broker.grpcPort) | quote }}
EXECUTOR_URL: {{ include "nightglow.grpcUrl" (dict "root" .root "component" "task-executor" "port" .root.Values.executor.grpcPort) | quote }}
RECORD_STORE_URL: {{ include "nightglow.grpcUrl" (dict "root" .root "component" "record-store" "port" .root.Values.recordStore.grpcPort) | quote }}
{{- end -}}

{{- define "nightglow.config.sidecar" -}}
{{ include "nightglow.config.common" . }}
{{ include "nightglow.config.ports" . }}
CDP_URL: http://127.0.0.1:9222
CDP_GATEWAY_PORT: {{ .v.gatewayPort | quote }}
SIDECAR_POOL: {{ .root.Values.browserPool.name | quote }}
{{- end -}}

{{/* Secret-backed env entries of each service (after which $(VAR) references expand). */}}
{{- define "nightglow.secretEnv.broker" -}}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "TOKEN_SECRET" "key" "tokenSecret") }}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "CDP_GATEWAY_SECRET" "key" "gatewaySecret") }}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "TRUSTED_CALLER_KEYS" "key" "executorCallerKey") }}
{{- include "nightglow.redisEnv" .root }}
{{- end -}}

{{- define "nightglow.secretEnv.executor" -}}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "BROKER_CALLER_KEY" "key" "executorCallerKey") }}
{{- include "nightglow.redisEnv" .root }}
{{- end -}}

{{- define "nightglow.secretEnv.recordStore" -}}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "ADMIN_API_KEY" "key" "adminApiKey") }}
{{- include "nightglow.postgresEnv" .root }}
{{- end -}}

{{- define "nightglow.secretEnv.operator" -}}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "RECORD_STORE_API_KEY" "key" "adminApiKey") }}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end -}}

{{- define "nightglow.secretEnv.sidecar" -}}
{{ include "nightglow.secretEnv" (dict "root" .root "name" "CDP_GATEWAY_SECRET" "key" "gatewaySecret") }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end -}}

{{/* The rendered ConfigMap data of a service: computed env with its `config` merged over. */}}
{{- define "nightglow.configData" -}}
{{- $computed := include (printf "nightglow.config.%s" .key) (dict "root" .root "v" .v) | fromYaml -}}
{{- $data := merge (deepCopy (.v.config | default dict)) $computed -}}
{{- range $k := keys $data | sortAlpha }}
{{ $k }}: {{ get $data $k | toString | quote }}
{{- end }}
{{- end -}}
