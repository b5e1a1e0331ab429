module example.com/api

go 1.21

require golang.org/x/net v0.0.0-20220722155237-a158d28d115b
