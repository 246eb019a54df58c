{{- define "orgguard.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{ else }}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{ end }}
{{- end }}

{{- define "orgguard.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "orgguard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "orgguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ default (include "orgguard.fullname" .) .Values.serviceAccount.name }}{{ else }}{{ default "default" .Values.serviceAccount.name }}{{ end }}
{{- end }}

{{- define "orgguard.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{- /* A Go duration ("30s", "1.5m", "500ms", "1h") in whole seconds, rounded up. */}}
{{- define "orgguard.seconds" -}}
{{- $d := toString . -}}
{{- if hasSuffix "ms" $d }}{{ divf (trimSuffix "ms" $d | float64) 1000 | ceil | int }}
{{- else if hasSuffix "s" $d }}{{ trimSuffix "s" $d | float64 | ceil | int }}
{{- else if hasSuffix "m" $d }}{{ mulf (trimSuffix "m" $d | float64) 60 | ceil | int }}
{{- else if hasSuffix "h" $d }}{{ mulf (trimSuffix "h" $d | float64) 3600 | ceil | int }}
{{- else }}{{ fail (printf "%q is not a duration such as 30s or 5m" $d) }}
{{- end }}
{{- end }}

{{- /* The image: no image is published yet, so the repository must be named (a clear error, not an ImagePullBackOff). */}}
{{- define "orgguard.image" -}}
{{- $repository := required "image.repository is required: orgguard publishes no image yet. Build one with `make image` (it is tagged orgguard:<version>), push it to a registry your cluster pulls from, and set image.repository to it (or to orgguard for a local cluster that has the local build)" .Values.image.repository -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end }}

{{/* A map of limits by policy type as the controller reads it: scp=5,tag=8 (sorted: a stable env). */}}
{{- define "orgguard.limits" -}}
{{- $entries := list -}}
{{- range $type, $limit := . -}}
{{- $entries = append $entries (printf "%s=%v" $type $limit) -}}
{{- end -}}
{{- join "," $entries -}}
{{- end -}}

{{/* 3/4 of resources.requests.memory in MiB (Mi or Gi), the controller's V8 heap limit. */}}
{{- define "orgguard.heapMiB" -}}
{{- $memory := toString .requests.memory -}}
{{- $mib := 0 -}}
{{- if hasSuffix "Gi" $memory -}}
{{- $mib = mul (trimSuffix "Gi" $memory | int) 1024 -}}
{{- else if hasSuffix "Mi" $memory -}}
{{- $mib = trimSuffix "Mi" $memory | int -}}
{{- else -}}
{{- fail (printf "resources.requests.memory must be in Mi or Gi (the heap limit is derived from it), not %s" $memory) -}}
{{- end -}}
{{- div (mul $mib 3) 4 -}}
{{- end -}}
