{{/*
Common labels of every object the chart renders.
*/}}
{{- define "intercept.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
The Cilium minor (16 to 20) of cilium.version; fails on anything else.
Use as: include "intercept.minor" . | atoi
*/}}
{{- define "intercept.minor" -}}
{{- $raw := toString .Values.cilium.version -}}
{{- $v := trimPrefix "v" $raw -}}
{{- if not (regexMatch "^1\\.[0-9]+(\\.[0-9]+)?$" $v) -}}
{{- fail (printf "cilium.version %q is not a Cilium release: want 1.MINOR[.PATCH], for example 1.20.2" $raw) -}}
{{- end -}}
{{- $minor := index (splitList "." $v) 1 | atoi -}}
{{- if or (lt $minor 16) (gt $minor 20) -}}
{{- fail (printf "cilium.version %q is not supported: supported are 1.16 to 1.20" $raw) -}}
{{- end -}}
{{- $minor -}}
{{- end -}}

{{/*
"true" when the chart creates the secrets namespace: secretsNamespace.create
true, or "auto" on Cilium 1.16 (whose chart does not create it).
*/}}
{{- define "intercept.createSecretsNamespace" -}}
{{- $create := .Values.secretsNamespace.create -}}
{{- if eq (toString $create) "auto" -}}
{{- if lt (include "intercept.minor" . | atoi) 17 }}true{{ end -}}
{{- else if eq (toString $create) "true" -}}
true
{{- end -}}
{{- end -}}

{{/*
The namespace of the CiliumNetworkPolicies.
*/}}
{{- define "intercept.policyNamespace" -}}
{{- .Values.policy.namespace | default .Values.workload.namespace -}}
{{- end -}}

{{/*
"true" when Cilium copies policy secrets into its secrets namespace and serves
them to Envoy over SDS: 1.17+ with cilium.secretSync.
*/}}
{{- define "intercept.secretSync" -}}
{{- if and (ge (include "intercept.minor" . | atoi) 17) .Values.cilium.secretSync }}true{{ end -}}
{{- end -}}

{{/*
The namespace of the TLS secrets the policies name (leaf certificates,
upstream trust). With secret sync it must not be Cilium's secrets namespace:
the operator copies secrets into it from other namespaces only, and does not
watch the ones already there (a secret made after its policy is never copied,
a renewal only at the operator's hourly resync from 1.18.5, or when a policy
changes before it). Without sync (and on 1.16, whose agent GETs any namespace's
secrets once tls.secretsBackend=k8s grants it that) it is the secrets
namespace.
*/}}
{{- define "intercept.tlsSecretsNamespace" -}}
{{- if .Values.tlsSecrets.namespace -}}
{{- .Values.tlsSecrets.namespace -}}
{{- else if include "intercept.secretSync" . -}}
{{- .Values.ca.namespace -}}
{{- else -}}
{{- .Values.secretsNamespace.name -}}
{{- end -}}
{{- end -}}

{{/*
The name of the secret (key ca.crt) originatingTLS validates upstreams with.
*/}}
{{- define "intercept.upstreamSecret" -}}
{{- .Values.upstreamTrust.existingSecret | default .Values.upstreamTrust.secretName -}}
{{- end -}}

{{/*
The CA secret in ca.namespace and the key holding its certificate.
*/}}
{{- define "intercept.caSecretName" -}}
{{- .Values.ca.existingSecret.name | default .Values.ca.secretName -}}
{{- end -}}
{{- define "intercept.caSecretKey" -}}
{{- if .Values.ca.existingSecret.name }}{{ .Values.ca.existingSecret.key }}{{ else }}ca.crt{{ end -}}
{{- end -}}

{{/*
The DNS domains the CA may sign for (X.509 name constraints), as a YAML list:
every intercepted domain with its "*." removed, plus the extra ones, leaving
out those under another listed domain (a constraint permits subdomains); the
reserved "invalid" when nothing is intercepted, so the CA can sign nothing real.
*/}}
{{- define "intercept.permittedDomains" -}}
{{- $all := dict -}}
{{- range $name, $g := .Values.intercept -}}
{{- if $g.enabled -}}
{{- range $d := $g.domains -}}
{{- $_ := set $all (trimPrefix "*." $d) true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $d := .Values.ca.nameConstraints.extraPermittedDomains -}}
{{- $_ := set $all $d true -}}
{{- end -}}
{{- $domains := list -}}
{{- range $d, $_ := $all -}}
{{- $labels := splitList "." $d -}}
{{- $covered := false -}}
{{- range $i := untilStep 1 (len $labels) 1 -}}
{{- if hasKey $all (join "." (slice $labels $i)) }}{{ $covered = true }}{{ end -}}
{{- end -}}
{{- if not $covered }}{{ $domains = append $domains $d }}{{ end -}}
{{- end -}}
{{- if not $domains }}{{ $domains = list "invalid" }}{{ end -}}
{{- toYaml $domains -}}
{{- end -}}

{{/*
Seconds in a duration of the form 1h30m10s (the form the schema allows).
*/}}
{{- define "intercept.seconds" -}}
{{- $h := regexFind "[0-9]+h" . | trimSuffix "h" | default "0" | atoi -}}
{{- $m := regexFind "[0-9]+m" . | trimSuffix "m" | default "0" | atoi -}}
{{- $s := regexFind "[0-9]+s" . | trimSuffix "s" | default "0" | atoi -}}
{{- add (mul $h 3600) (mul $m 60) $s -}}
{{- end -}}

{{/*
The egress rule's port 443 with optional serverNames and TLS contexts.
Called with dict "root" $ "group" $name "values" $g.
*/}}
{{- define "intercept.tlsPort" -}}
- ports:
    - port: "443"
      protocol: TCP
  {{- with .values.serverNames }}
  serverNames:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  terminatingTLS:
    secret:
      namespace: {{ include "intercept.tlsSecretsNamespace" .root }}
      name: intercept-{{ .group }}-tls
  originatingTLS:
    secret:
      namespace: {{ include "intercept.tlsSecretsNamespace" .root }}
      name: {{ include "intercept.upstreamSecret" .root }}
  rules:
    http:
      {{- include "intercept.httpRules" . | nindent 6 }}
{{- end -}}

{{/*
The group's HTTP rules as a YAML list, each carrying the headerMatches of
the secretHeaders that apply to it: a header without http applies to every
rule; one with http entries to the group's rules of the same method and
path. Without HTTP rules the list is [{}] (allow all), with headers for
every request, followed by one rule per distinct (method, path) entry of the
headers that name some. A rule only ever gains headerMatches: the headers
never widen what the group allows.
Called with dict "root" $ "group" $name "values" $g.
*/}}
{{- define "intercept.httpRules" -}}
{{- $ns := include "intercept.tlsSecretsNamespace" .root -}}
{{- $headers := .values.secretHeaders | default list -}}
{{- $rules := list -}}
{{- if .values.http -}}
{{- $rules = deepCopy .values.http -}}
{{- else -}}
{{- $rules = list (dict) -}}
{{- range $h := $headers -}}
{{- range $e := $h.http | default list -}}
{{- $seen := false -}}
{{- range $r := $rules -}}
{{- if and (eq ($r.method | default "") ($e.method | default "")) (eq ($r.path | default "") ($e.path | default "")) (or $r.method $r.path) -}}
{{- $seen = true -}}
{{- end -}}
{{- end -}}
{{- if not $seen -}}
{{- $rule := dict -}}
{{- with $e.method }}{{ $_ := set $rule "method" . }}{{ end -}}
{{- with $e.path }}{{ $_ := set $rule "path" . }}{{ end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $out := list -}}
{{- range $r := $rules -}}
{{- $matches := list -}}
{{- range $h := $headers -}}
{{- $applies := not $h.http -}}
{{- range $e := $h.http | default list -}}
{{- if and (or $r.method $r.path) (eq ($r.method | default "") ($e.method | default "")) (eq ($r.path | default "") ($e.path | default "")) -}}
{{- $applies = true -}}
{{- end -}}
{{- end -}}
{{- if and $applies (or $h.http (not (or $r.method $r.path)) $.values.http) -}}
{{- $matches = append $matches (dict "name" $h.name "secret" (dict "namespace" $ns "name" $h.secret.name) "mismatch" (upper ($h.action | default "replace"))) -}}
{{- end -}}
{{- end -}}
{{- if $matches -}}
{{- $_ := set $r "headerMatches" $matches -}}
{{- end -}}
{{- $out = append $out $r -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
The keys of the secretHeaders' secrets, as JSON: {"<namespace>/<name>":
"<key>"}. Cilium's policy names only the secret and reads its one key;
sandbox lint and the doctor read this annotation to check the key is the
one the values name.
*/}}
{{- define "intercept.secretHeaderKeys" -}}
{{- $ns := include "intercept.tlsSecretsNamespace" .root -}}
{{- $keys := dict -}}
{{- range $h := .values.secretHeaders | default list -}}
{{- $_ := set $keys (printf "%s/%s" $ns $h.secret.name) $h.secret.key -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}
