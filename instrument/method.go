package instrument

// methodIndex numbers the request methods that OpenTelemetry names; every other
// method is recorded as _OTHER, so a client cannot create series by inventing methods.
type methodIndex uint8

const (
	methodGet methodIndex = iota
	methodHead
	methodPost
	methodPut
	methodPatch
	methodDelete
	methodOptions
	methodConnect
	methodTrace
	methodOther
	numMethods
)

var methodNames = [numMethods]string{
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "_OTHER",
}

// String returns the label value of m.
func (m methodIndex) String() string { return methodNames[m] }

// methodOf maps a request method to its index. Method names are case-sensitive
// (RFC 9110, section 9.1), so "get" is _OTHER, as OpenTelemetry specifies.
func methodOf(method string) methodIndex {
	switch method {
	case "GET", "":
		return methodGet // net/http treats an empty method as GET
	case "HEAD":
		return methodHead
	case "POST":
		return methodPost
	case "PUT":
		return methodPut
	case "PATCH":
		return methodPatch
	case "DELETE":
		return methodDelete
	case "OPTIONS":
		return methodOptions
	case "CONNECT":
		return methodConnect
	case "TRACE":
		return methodTrace
	}
	return methodOther
}
