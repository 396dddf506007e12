{{/*
TLS: where certificates come from, and the Secret each pod mounts.

Sources (docs/deploy.md "TLS"), in this order:
  "off"           tls.enabled is false;
  "secrets"       tls.secretName is set: Secrets you create;
  "cert-manager"  the cluster has cert-manager.io/v1 and
                  tls.certManager.enabled: Certificates this chart creates;
otherwise the render fails, saying what to do.

Every server Secret holds tls.crt, tls.key and ca.crt (the CA of the
server's clients and of client certificates), mounted read-only at
/etc/fruition/tls; the gateway's HTTPS Secret (tls.crt, tls.key) at
/etc/fruition/https. Whole-Secret mounts (never subPath), so that a renewed
certificate reaches the pod and the gateway reloads it.
*/}}

{{/* "off", "secrets" or "cert-manager"; fails when TLS has no source. */}}
{{- define "fruition.tls.source" -}}
{{- $tls := .Values.tls -}}
{{- if not $tls.enabled -}}
off
{{- else if $tls.secretName -}}
secrets
{{- else if and $tls.certManager.enabled (.Capabilities.APIVersions.Has "cert-manager.io/v1") -}}
{{- if not (or $tls.certManager.issuerRef.name $tls.certManager.selfSignedCa) -}}
{{- fail "tls.certManager.issuerRef.name: name the cert-manager Issuer or ClusterIssuer that signs Fruition's certificates (or set tls.certManager.selfSignedCa=true to try the chart with a CA of its own; see docs/deploy.md \"TLS\")" -}}
{{- end -}}
cert-manager
{{- else -}}
{{- fail "tls.enabled is true but there is no source of certificates: the cluster has no cert-manager.io/v1 API (or tls.certManager.enabled is false) and tls.secretName is empty. Install cert-manager and set tls.certManager.issuerRef.name, or create the Secrets and set tls.secretName (docs/deploy.md \"TLS\"), or set tls.enabled=false (plain text: not for production)" -}}
{{- end -}}
{{- end -}}

{{/* Whether a service's gRPC verifies client certificates (requested or required). */}}
{{- define "fruition.tls.verifyClients" -}}
{{- if or .Values.tls.verifyClients .Values.tls.requireClientCerts -}}true{{- end -}}
{{- end -}}

{{/* The Secret with a service's gRPC server certificate; call with (dict "root" $ "name" "intake"). */}}
{{- define "fruition.tls.serverSecret" -}}
{{- if eq (include "fruition.tls.source" .root) "cert-manager" -}}
{{- printf "%s-grpc-tls" (include "fruition.componentName" .) -}}
{{- else -}}
{{- .root.Values.tls.secretName -}}
{{- end -}}
{{- end -}}

{{/* The Secret with the gateway's HTTPS certificate; call with the root. */}}
{{- define "fruition.tls.httpSecret" -}}
{{- if eq (include "fruition.tls.source" .) "cert-manager" -}}
{{- printf "%s-https" (include "fruition.componentName" (dict "root" . "name" "gateway")) -}}
{{- else -}}
{{- default .Values.tls.secretName .Values.tls.http.secretName -}}
{{- end -}}
{{- end -}}

{{/*
The Secret with the client certificate the helm test probes present (""
for none: certificates only requested, none given); call with the root.
*/}}
{{- define "fruition.tls.clientSecret" -}}
{{- $source := include "fruition.tls.source" . -}}
{{- if eq $source "cert-manager" -}}
{{- printf "%s-probe-client-tls" (include "fruition.fullname" .) -}}
{{- else if eq $source "secrets" -}}
{{- if and .Values.tls.requireClientCerts (not .Values.tls.clientSecretName) -}}
{{- fail "tls.clientSecretName: with tls.requireClientCerts and your own Secrets, name a Secret with a client certificate (extendedKeyUsage clientAuth; tls.crt, tls.key) for the helm test probes" -}}
{{- end -}}
{{- .Values.tls.clientSecretName -}}
{{- end -}}
{{- end -}}

{{/* The issuerRef of the chart's Certificates. */}}
{{- define "fruition.tls.issuerRef" -}}
{{- if .Values.tls.certManager.issuerRef.name -}}
name: {{ .Values.tls.certManager.issuerRef.name }}
kind: {{ .Values.tls.certManager.issuerRef.kind }}
group: {{ .Values.tls.certManager.issuerRef.group }}
{{- else -}}
name: {{ include "fruition.fullname" . }}-ca
kind: Issuer
group: cert-manager.io
{{- end -}}
{{- end -}}

{{/* The DNS names of a service: its Services, short and qualified, and its pods behind the headless Service. */}}
{{- define "fruition.tls.dnsNames" -}}
{{- $svc := include "fruition.componentName" . -}}
{{- $ns := .root.Release.Namespace -}}
- {{ $svc }}
- {{ $svc }}.{{ $ns }}
- {{ $svc }}.{{ $ns }}.svc
- {{ $svc }}.{{ $ns }}.svc.{{ .root.Values.tls.certManager.clusterDomain }}
{{- if ne .name "intake" }}
- "*.{{ $svc }}-headless.{{ $ns }}.svc"
- "*.{{ $svc }}-headless.{{ $ns }}.svc.{{ .root.Values.tls.certManager.clusterDomain }}"
{{- end }}
{{- end -}}

{{/* Lifetime and key of every Certificate of the chart. */}}
{{- define "fruition.tls.certificateCommon" -}}
duration: {{ .Values.tls.certManager.duration }}
renewBefore: {{ .Values.tls.certManager.renewBefore }}
privateKey:
  algorithm: ECDSA
  size: 256
  rotationPolicy: Always
{{- end -}}
