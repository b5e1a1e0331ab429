module example.com/app

go 1.22

toolchain go1.22.5

require (
	github.com/gorilla/mux v1.8.1
	golang.org/x/text v0.14.0 // indirect
	example.com/forked v1.0.0
	example.com/local v0.0.0
)

require github.com/google/uuid v1.6.0

replace example.com/forked => github.com/someone/forked v1.0.1

replace example.com/local => ../local
