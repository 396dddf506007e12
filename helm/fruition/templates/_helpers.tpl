{{/*
Names, labels and small values shared by every template.
Components are the services (intake, evidence, scoring, reconciler,
gateway) plus "topics" (the provisioning hook) and "test" (helm test).
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "fruition.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/*
The prefix of every resource name: "<release>-fruition", or the release name
when it already contains the chart name. At most 40 characters, so that
"<prefix>-reconciler-headless" stays within a 63-character DNS label.
*/}}
{{- define "fruition.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>"; call with (dict "root" $ "name" "intake"). */}}
{{- define "fruition.componentName" -}}
{{- printf "%s-%s" (include "fruition.fullname" .root) .name -}}
{{- end -}}

{{/* chart name and version, as the helm.sh/chart label wants them. */}}
{{- define "fruition.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every resource; call with (dict "root" $ "name" COMPONENT). */}}
{{- define "fruition.labels" -}}
helm.sh/chart: {{ include "fruition.chart" .root }}
{{ include "fruition.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: fruition
{{- end -}}

{{/* The labels selectors use (never change them: selectors are immutable). */}}
{{- define "fruition.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fruition.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}
{{- end -}}

{{/* The service account of the service pods. */}}
{{- define "fruition.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fruition.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* "<registry>/<repository>:<tag>"; call with (dict "root" $ "image" IMAGE). */}}
{{- define "fruition.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
A values scalar as text for a config file: whole numbers without an exponent
(Helm reads every number as a float, and 1000000 would print as 1e+06).
*/}}
{{- define "fruition.scalar" -}}
{{- if kindIs "float64" . -}}
{{- if eq (float64 (int64 .)) . -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/* kafka.properties as "k=v,k=v" (sorted by key). */}}
{{- define "fruition.kafkaProperties" -}}
{{- $items := list -}}
{{- range $k, $v := .Values.kafka.properties -}}
{{- $items = append $items (printf "%s=%s" $k (include "fruition.scalar" $v)) -}}
{{- end -}}
{{- join "," $items -}}
{{- end -}}

{{/* The enabled services, in pipeline order. */}}
{{- define "fruition.services" -}}
{{- $out := list -}}
{{- range $name := list "intake" "evidence" "scoring" "reconciler" "gateway" -}}
{{- if (index $.Values $name).enabled -}}
{{- $out = append $out $name -}}
{{- end -}}
{{- end -}}
{{- join " " $out -}}
{{- end -}}

{{/*
The restricted Pod Security container securityContext.
*/}}
{{- define "fruition.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The restricted Pod Security pod securityContext. */}}
{{- define "fruition.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Environment for librdkafka properties held in a Secret (or nothing). */}}
{{- define "fruition.kafkaPropertiesEnv" -}}
{{- if .Values.kafka.propertiesSecret.name }}
- name: FRUITION_KAFKA_PROPERTIES
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.propertiesSecret.name }}
      key: {{ .Values.kafka.propertiesSecret.key }}
{{- end }}
{{- end -}}

{{/*
The librdkafka properties environment of service (or "operator", the topics
hook) .name: with kafka.users.strimzi, its own Strimzi user's SCRAM login
(the password from the Secret the User Operator creates, substituted by the
kubelet) before kafka.properties; else fruition.kafkaPropertiesEnv.
*/}}
{{- define "fruition.kafkaEnv" -}}
{{- $root := .root -}}
{{- $users := $root.Values.kafka.users -}}
{{- if $users.strimzi }}
{{- if $root.Values.kafka.propertiesSecret.name }}
{{- fail "kafka.users.strimzi and kafka.propertiesSecret.name exclude each other: the Strimzi users' Secrets hold the passwords" }}
{{- end }}
{{- $props := list (printf "security.protocol=%s" $users.securityProtocol) "sasl.mechanism=SCRAM-SHA-512" (printf "sasl.username=fruition-%s" .name) "sasl.password=$(KAFKA_USER_PASSWORD)" }}
{{- with include "fruition.kafkaProperties" $root }}
{{- $props = append $props . }}
{{- end }}
- name: KAFKA_USER_PASSWORD
  valueFrom:
    secretKeyRef:
      name: fruition-{{ .name }}
      key: password
- name: FRUITION_KAFKA_PROPERTIES
  value: {{ join "," $props | quote }}
{{- else }}
{{- include "fruition.kafkaPropertiesEnv" $root }}
{{- end }}
{{- end -}}
