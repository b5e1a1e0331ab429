// Command gen writes perfwatch's dashboards as JSON into the dashboards folder.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/perfwatch/perfwatch/dashboards"
)

func main() {
	dir := flag.String("dir", ".", "folder to write the dashboards into")
	flag.Parse()
	if err := dashboards.WriteAll(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
