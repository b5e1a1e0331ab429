// Package stackcheck holds the tests of the stack's configuration files at the top of
// the repository: docker-compose.yml, the Dockerfile, prometheus.yml and the Grafana
// provisioning. It has no code of its own.
package stackcheck
