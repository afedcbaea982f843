{{/*
Cross-field checks the schema cannot express. Each fails rendering with a
message naming the bad value and what to do about it.
*/}}

{{/*
Domains: enabled groups have domains; "**." is never intercepted and is
passed through only from Cilium 1.19; a name belongs to one place; no name is
matched by another group's or pass-through's pattern.
*/}}
{{- define "intercept.validate.domains" -}}
{{- $minor := include "intercept.minor" . | atoi -}}
{{- $owners := dict -}}
{{- range $name, $g := .Values.intercept -}}
{{- if $g.enabled -}}
{{- if not $g.domains -}}
{{- fail (printf "intercept.%s is enabled but intercept.%s.domains is empty: list at least one domain or set intercept.%s.enabled=false" $name $name $name) -}}
{{- end -}}
{{- range $d := $g.domains -}}
{{- if hasPrefix "**." $d -}}
{{- fail (printf "intercept.%s.domains: %q cannot be intercepted: no certificate covers \"**.\" (any depth of labels); list the names or \"*.\" patterns, or move it to passThrough.domains (Cilium 1.19+)" $name $d) -}}
{{- end -}}
{{- include "intercept.validate.claim" (dict "owners" $owners "domain" $d "where" (printf "intercept.%s.domains" $name)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $d := .Values.passThrough.domains -}}
{{- if and (hasPrefix "**." $d) (lt $minor 19) -}}
{{- fail (printf "passThrough.domains: %q needs Cilium 1.19 or newer (\"**.\" patterns), but cilium.version is %q; use \"*.\" patterns or exact names" $d (toString $.Values.cilium.version)) -}}
{{- end -}}
{{- include "intercept.validate.claim" (dict "owners" $owners "domain" $d "where" "passThrough.domains") -}}
{{- end -}}
{{- include "intercept.validate.overlaps" $owners -}}
{{- end -}}

{{/*
Records in the owners dict that domain belongs to where; fails when it
already belongs somewhere. Renders nothing.
*/}}
{{- define "intercept.validate.claim" -}}
{{- if hasKey .owners .domain -}}
{{- fail (printf "domain %q is listed twice, in %s and in %s: a domain belongs to one group or to pass-through" .domain (get .owners .domain) .where) -}}
{{- end -}}
{{- $_ := set .owners .domain .where -}}
{{- end -}}

{{/*
Fails when a pattern of one owner matches a domain of another: two policies
would claim the same name on port 443 with different TLS handling.
*/}}
{{- define "intercept.validate.overlaps" -}}
{{- $owners := . -}}
{{- range $d, $where := $owners -}}
{{- if not (hasPrefix "*" $d) -}}
{{- $pattern := printf "*.%s" (regexReplaceAll "^[^.]+\\." $d "") -}}
{{- if and (hasKey $owners $pattern) (ne (get $owners $pattern) $where) -}}
{{- fail (printf "domain %q in %s is also matched by %q in %s: move it to the same place or remove one" $d $where $pattern (get $owners $pattern)) -}}
{{- end -}}
{{- end -}}
{{- if hasPrefix "**." $d -}}
{{- $suffix := trimPrefix "*" $d -}}
{{- range $other, $otherWhere := $owners -}}
{{- if and (ne $other $d) (hasSuffix $suffix $other) (ne $otherWhere $where) -}}
{{- fail (printf "domain %q in %s is also matched by %q in %s: move it to the same place or remove one" $other $otherWhere $d $where) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
serverNames: wildcards by Cilium version (none before 1.18, a leading "*." or
"**." in 1.18 and 1.19, anywhere from 1.20) and every name covered by the
group's certificate, or the TLS handshake with the pod would fail.
*/}}
{{- define "intercept.validate.serverNames" -}}
{{- $minor := include "intercept.minor" . | atoi -}}
{{- $version := toString .Values.cilium.version -}}
{{- range $name, $g := .Values.intercept -}}
{{- if $g.enabled -}}
{{- range $sn := $g.serverNames -}}
{{- $where := printf "intercept.%s.serverNames" $name -}}
{{- if contains "*" $sn -}}
{{- if lt $minor 18 -}}
{{- fail (printf "%s: %q has a wildcard, but Cilium %s accepts only exact serverNames (wildcards from 1.18)" $where $sn $version) -}}
{{- else if and (lt $minor 20) (not (regexMatch "^\\*{1,2}\\.[^*]+$" $sn)) -}}
{{- fail (printf "%s: %q has a wildcard that is not a leading \"*.\" or \"**.\", which Cilium %s rejects (\"*\" anywhere from 1.20)" $where $sn $version) -}}
{{- end -}}
{{- end -}}
{{- $parent := regexReplaceAll "^[^.]+\\." $sn "" -}}
{{- $covered := or (has $sn $g.domains) (and (not (hasPrefix "**." $sn)) (has (printf "*.%s" $parent) $g.domains)) -}}
{{- if not $covered -}}
{{- fail (printf "%s: %q is not covered by the group's certificate (intercept.%s.domains); add the name or a \"*.\" pattern that covers it" $where $sn $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Durations: cert-manager's minimums (1h, renewBefore 5m), renewBefore shorter
than duration, leaves not outliving the CA the chart creates.
*/}}
{{- define "intercept.validate.durations" -}}
{{- $checks := list (dict "where" "certificates" "v" .Values.certificates) -}}
{{- if not .Values.ca.existingSecret.name -}}
{{- $checks = append $checks (dict "where" "ca" "v" .Values.ca) -}}
{{- end -}}
{{- range $c := $checks -}}
{{- $d := include "intercept.seconds" $c.v.duration | atoi -}}
{{- $r := include "intercept.seconds" $c.v.renewBefore | atoi -}}
{{- if lt $d 3600 -}}
{{- fail (printf "%s.duration %q is shorter than cert-manager's minimum of 1h" $c.where $c.v.duration) -}}
{{- end -}}
{{- if lt $r 300 -}}
{{- fail (printf "%s.renewBefore %q is shorter than cert-manager's minimum of 5m" $c.where $c.v.renewBefore) -}}
{{- end -}}
{{- if ge $r $d -}}
{{- fail (printf "%s.renewBefore %q must be shorter than %s.duration %q" $c.where $c.v.renewBefore $c.where $c.v.duration) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.ca.existingSecret.name -}}
{{- if gt (include "intercept.seconds" .Values.certificates.duration | atoi) (include "intercept.seconds" .Values.ca.duration | atoi) -}}
{{- fail (printf "certificates.duration %q is longer than ca.duration %q: leaf certificates cannot outlive their CA" .Values.certificates.duration .Values.ca.duration) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Everything else: key algorithm and size agree, upstream trust has anchors,
the workload has the CA bundle it mounts.
*/}}
{{- define "intercept.validate.misc" -}}
{{- $key := .Values.certificates.privateKey -}}
{{- $sizes := dict "ECDSA" (list 256 384 521) "RSA" (list 2048 3072 4096) -}}
{{- if and (ne $key.algorithm "Ed25519") (not (has (int $key.size) (get $sizes $key.algorithm))) -}}
{{- fail (printf "certificates.privateKey.size %v does not fit algorithm %s: use one of %v" $key.size $key.algorithm (get $sizes $key.algorithm)) -}}
{{- end -}}
{{- $trust := .Values.upstreamTrust -}}
{{- if not $trust.existingSecret -}}
{{- if and (not $trust.useDefaultCAs) (not $trust.extraCertificates) -}}
{{- fail "upstreamTrust has no trust anchors: upstreamTrust.useDefaultCAs is false and upstreamTrust.extraCertificates is empty, so Envoy could verify no upstream; set one, or upstreamTrust.existingSecret" -}}
{{- end -}}
{{- if and $trust.extraCertificates (not (contains "-----BEGIN CERTIFICATE-----" $trust.extraCertificates)) -}}
{{- fail (printf "upstreamTrust.extraCertificates is not PEM: it holds no \"-----BEGIN CERTIFICATE-----\" block (starts with %q)" (trunc 40 $trust.extraCertificates)) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.workload.enabled (not .Values.caBundle.enabled) -}}
{{- fail "workload.enabled is true but caBundle.enabled is false: the workload mounts the sandbox CA from the caBundle ConfigMap; enable caBundle or disable the workload" -}}
{{- end -}}
{{- if and .Values.workload.enabled (ne (include "intercept.policyNamespace" .) .Values.workload.namespace) -}}
{{- fail (printf "policy.namespace %q differs from workload.namespace %q: a CiliumNetworkPolicy selects pods of its own namespace only" .Values.policy.namespace .Values.workload.namespace) -}}
{{- end -}}
{{- end -}}

{{/*
TLS secrets namespace against Cilium's secrets mode. With secret sync (1.17+)
the secrets must live outside the secrets namespace: the operator copies
policy secrets into it and watches only the ones elsewhere. Without sync the
agent reads nothing but the secrets namespace.
*/}}
{{- define "intercept.validate.secrets" -}}
{{- $ns := include "intercept.tlsSecretsNamespace" . -}}
{{- $secrets := .Values.secretsNamespace.name -}}
{{- $version := toString .Values.cilium.version -}}
{{- if and (include "intercept.secretSync" .) (eq $ns $secrets) -}}
{{- /* The operator requeues its copies hourly from 1.18.5 (row K8 of sandbox/versions/knownbugs.yaml; sandbox/intercept's tests keep this text equal to ciliumtls.UnwatchedRenewal). */ -}}
{{- $renewal := ternary "a renewal only at the operator's hourly resync" (printf "a renewal only when a policy changes (Cilium %s's operator never requeues its copies: known bug K8 (cilium/cilium#42414), fixed in 1.18.5)" $version) (semverCompare ">=1.18.5" $version) -}}
{{- fail (printf "tlsSecrets.namespace %q is Cilium's secrets namespace (secretsNamespace.name): with secret sync (Cilium %s, cilium.secretSync=true) the operator copies policy secrets into it from other namespaces and does not watch the ones already there, so a certificate issued after its policy never reaches Envoy and %s; leave tlsSecrets.namespace empty (ca.namespace) or name another namespace" $ns $version $renewal) -}}
{{- end -}}
{{- $secretsTaken := dict (include "intercept.upstreamSecret" .) "upstreamTrust's secret" -}}
{{- $certsTaken := dict -}}
{{- if and (eq $ns .Values.ca.namespace) (not .Values.ca.existingSecret.name) -}}
{{- $_ := set $secretsTaken .Values.ca.secretName "the CA's secret (ca.secretName)" -}}
{{- $_ := set $certsTaken .Values.ca.secretName "the CA's Certificate (ca.secretName)" -}}
{{- end -}}
{{- range $name, $g := .Values.intercept -}}
{{- if $g.enabled -}}
{{- $cert := printf "intercept-%s" $name -}}
{{- $secret := printf "intercept-%s-tls" $name -}}
{{- if hasKey $certsTaken $cert -}}
{{- fail (printf "intercept.%s: its Certificate %s/%s is %s; rename the group" $name $ns $cert (get $certsTaken $cert)) -}}
{{- end -}}
{{- if hasKey $secretsTaken $secret -}}
{{- fail (printf "intercept.%s: its secret %s/%s is %s; rename the group" $name $ns $secret (get $secretsTaken $secret)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (ge (include "intercept.minor" . | atoi) 17) (not .Values.cilium.secretSync) (ne $ns $secrets) -}}
{{- fail (printf "tlsSecrets.namespace %q is not secretsNamespace.name %q: without secret sync (cilium.secretSync=false) Cilium %s reads policy secrets only from its secrets namespace; leave tlsSecrets.namespace empty" $ns $secrets $version) -}}
{{- end -}}
{{- end -}}

{{/*
secretHeaders: a header set once per group; a Secret has one key, so two
headers naming one Secret name the same key; the Secret is none the chart
writes (a certificate or trust bundle has several keys); under secret sync
its key is not one the agent's SDS syncer reads as TLS material
(pkg/envoy/secretsync.go k8sToEnvoySecret makes a generic secret, the
header's value, only of a secret without tls.crt, tls.key, ca.crt and
tls.sessionticket.key); with HTTP rules, each http entry of a header is one
of the group's rules (method and path), so headers never widen what the
group allows.
*/}}
{{- define "intercept.validate.secretHeaders" -}}
{{- $ns := include "intercept.tlsSecretsNamespace" . -}}
{{- $taken := dict (include "intercept.upstreamSecret" .) "upstreamTrust's secret" -}}
{{- if eq $ns .Values.ca.namespace -}}
{{- $_ := set $taken (include "intercept.caSecretName" .) "the CA's secret" -}}
{{- end -}}
{{- range $name, $g := .Values.intercept -}}
{{- if $g.enabled -}}
{{- $_ := set $taken (printf "intercept-%s-tls" $name) (printf "the certificate secret of intercept.%s" $name) -}}
{{- end -}}
{{- end -}}
{{- $keys := dict -}}
{{- $sync := include "intercept.secretSync" . -}}
{{- range $name, $g := .Values.intercept -}}
{{- if $g.enabled -}}
{{- $seen := dict -}}
{{- range $i, $h := $g.secretHeaders -}}
{{- $where := printf "intercept.%s.secretHeaders[%d]" $name $i -}}
{{- $lower := lower $h.name -}}
{{- if hasKey $seen $lower -}}
{{- fail (printf "%s.name %q is also set by intercept.%s.secretHeaders[%d]: set each header once per group" $where $h.name $name (get $seen $lower)) -}}
{{- end -}}
{{- $_ := set $seen $lower $i -}}
{{- if hasKey $taken $h.secret.name -}}
{{- fail (printf "%s.secret.name %q is %s in %s, which holds more than one key: create a Secret of its own for the header value" $where $h.secret.name (get $taken $h.secret.name) $ns) -}}
{{- end -}}
{{- if and (hasKey $keys $h.secret.name) (ne (get $keys $h.secret.name) $h.secret.key) -}}
{{- fail (printf "%s.secret: %s/%s is named with key %q here and %q elsewhere, but Cilium reads a header Secret's only key: use one key, or two Secrets" $where $ns $h.secret.name $h.secret.key (get $keys $h.secret.name)) -}}
{{- end -}}
{{- $_ := set $keys $h.secret.name $h.secret.key -}}
{{- if and $sync (has $h.secret.key (list "tls.crt" "tls.key" "ca.crt" "tls.sessionticket.key")) -}}
{{- fail (printf "%s.secret.key %q is a key Cilium's agent reads as TLS material under secret sync (Cilium %s): its SDS would serve Envoy a TLS secret, not the header's value; name the key after the header, for example \"token\"" $where $h.secret.key (toString $.Values.cilium.version)) -}}
{{- end -}}
{{- if $g.http -}}
{{- range $j, $e := $h.http -}}
{{- $found := false -}}
{{- range $r := $g.http -}}
{{- if and (eq ($r.method | default "") ($e.method | default "")) (eq ($r.path | default "") ($e.path | default "")) -}}
{{- $found = true -}}
{{- end -}}
{{- end -}}
{{- if not $found -}}
{{- fail (printf "%s.http[%d] (method %q, path %q) is not one of intercept.%s.http's rules: a header applies to the group's rules, which decide what is allowed; add the rule to intercept.%s.http or use its method and path" $where $j ($e.method | default "") ($e.path | default "") $name $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
