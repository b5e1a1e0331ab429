package instrument

// userKind is the user_kind label of a request: whether its user was authenticated.
// Two values only, so the label at most doubles the series.
type userKind uint8

const (
	userUnknown userKind = iota // not said: recorded as anonymous
	userAnonymous
	userAuthenticated
)

func (u userKind) String() string {
	if u == userAuthenticated {
		return "authenticated"
	}
	return "anonymous"
}
