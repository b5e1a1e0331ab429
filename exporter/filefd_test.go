package exporter

import "testing"

func TestFilefdCollector(t *testing.T) {
	runCollectorCases(t, newFilefdCollector, []collectorCase{
		{name: "fixture", proc: fixtureProc, want: map[string]float64{
			"node_filefd_allocated": 1024,
			"node_filefd_maximum":   1631329,
		}},
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{}, wantErr: "unexpected number of file stats"},
		{name: "missing", proc: "testdata/proc-empty", want: map[string]float64{}, wantErr: "file-nr"},
		// proc.rst /proc/sys/fs/file-nr: "allocated unused maximum".
		{name: "empty", proc: procTree(t, map[string]string{"sys/fs/file-nr": ""}), want: map[string]float64{}, wantErr: "unexpected number of file stats"},
		{name: "truncated", proc: procTree(t, map[string]string{"sys/fs/file-nr": "1024\t0\n"}), want: map[string]float64{}, wantErr: "unexpected number of file stats"},
		{name: "non-numeric", proc: procTree(t, map[string]string{"sys/fs/file-nr": "1024\t0\tx\n"}), want: map[string]float64{}, wantErr: "invalid value"},
		{name: "huge", proc: procTree(t, map[string]string{"sys/fs/file-nr": "1024\t0\t18446744073709551615\n"}), want: map[string]float64{
			"node_filefd_allocated": 1024, "node_filefd_maximum": 18446744073709551615}},
	})
}
