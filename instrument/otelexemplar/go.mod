module github.com/perfwatch/perfwatch/instrument/otelexemplar

go 1.25.0

require go.opentelemetry.io/otel/trace v1.41.0

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.opentelemetry.io/otel v1.41.0 // indirect
)
