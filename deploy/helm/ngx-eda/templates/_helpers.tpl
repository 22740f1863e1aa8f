{{/* Names and labels shared by the templates. */}}

{{- define "ngx-eda.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ngx-eda.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "ngx-eda.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "ngx-eda.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ngx-eda.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ngx-eda.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ngx-eda.labels" -}}
{{ include "ngx-eda.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "ngx-eda.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ngx-eda.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "ngx-eda.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "ngx-eda.leaderElectionName" -}}
{{- printf "%s-leader-election" (include "ngx-eda.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ngx-eda.sagasEnabled" -}}
{{- if .Values.eda.sagas.definitions -}}true{{- end -}}
{{- end -}}

{{/* main-snippets: the module first, then the user's lines */}}
{{- define "ngx-eda.mainSnippets" -}}
load_module {{ .Values.eda.modulePath }};
{{- with .Values.eda.mainSnippets }}
{{ . | trim }}
{{- end }}
{{- end -}}

{{/*
A value as one nginx token whatever it holds (spaces, ";", "{", "#"): in
double quotes, with backslashes and double quotes escaped
*/}}
{{- define "ngx-eda.nginxQuote" -}}
"{{ . | replace "\\" "\\\\" | replace "\"" "\\\"" }}"
{{- end -}}

{{/* http-snippets: Kafka, Redis, sagas, the metrics server, extra lines */}}
{{- define "ngx-eda.httpSnippets" -}}
{{- $eda := .Values.eda -}}
{{- if not $eda.kafka.brokers -}}
{{- fail "eda.kafka.brokers is required (host:port[,host:port...])" -}}
{{- end -}}
eda_kafka_brokers {{ $eda.kafka.brokers }};
{{- range $name, $value := $eda.kafka.properties }}
eda_kafka_property {{ $name }} {{ include "ngx-eda.nginxQuote" (toString $value) }};
{{- end }}
{{- with $eda.redis }}
{{- if .address }}
eda_redis {{ .address }}
{{- if .password }} {{ include "ngx-eda.nginxQuote" (printf "password=%s" .password) }}{{ end }}
{{- if .db }} db={{ .db }}{{ end }}
{{- if .timeout }} timeout={{ .timeout }}{{ end }}
{{- if .prefix }} prefix={{ .prefix }}{{ end }};
{{- end }}
{{- end }}
{{- if include "ngx-eda.sagasEnabled" . }}
{{- if not $eda.redis.address }}
{{- fail "eda.sagas.definitions needs eda.redis.address: sagas keep their state in Redis" -}}
{{- end }}
eda_saga_definitions {{ $eda.sagas.mountPath }}/sagas.json
{{- if $eda.sagas.workDir }} work_dir={{ $eda.sagas.workDir }}{{ end }}
{{- if $eda.sagas.group }} group={{ $eda.sagas.group }}{{ end }};
{{- end }}
{{- if $eda.metrics.enabled }}
server {
    listen {{ $eda.metrics.port }};
    location = {{ $eda.metrics.path }} {
{{- range $eda.metrics.allow }}
        allow {{ . }};
{{- end }}
{{- if $eda.metrics.allow }}
        deny all;
{{- end }}
        eda_metrics;
    }
}
{{- end }}
{{- with $eda.httpSnippets }}
{{ . | trim }}
{{- end }}
{{- end -}}
