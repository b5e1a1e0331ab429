package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
)

// slackMessage is the part of Slack's incoming-webhook payload Alertmanager fills.
type slackMessage struct {
	Channel     string `json:"channel"`
	Username    string `json:"username"`
	Attachments []struct {
		Title     string `json:"title"`
		TitleLink string `json:"title_link"`
		Text      string `json:"text"`
		Color     string `json:"color"`
		Fallback  string `json:"fallback"`
	} `json:"attachments"`
}

// text joins the message's titles and texts, for assertions.
func (m slackMessage) text() string {
	var b strings.Builder
	for _, a := range m.Attachments {
		b.WriteString(a.Title + "\n" + a.Text + "\n")
	}
	return b.String()
}

// slackSink is an HTTP server accepting Slack webhook posts, answering "ok" as Slack
// does, and keeping every message.
type slackSink struct {
	srv *http.Server
	url string

	mu       sync.Mutex
	messages []slackMessage
	bad      []string // requests that were not a Slack payload
}

func startSlackSink() (*slackSink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &slackSink{url: "http://" + l.Addr().String() + "/services/T000/B000/XXXX"}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve)}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

func (s *slackSink) serve(w http.ResponseWriter, r *http.Request) {
	var m slackMessage
	err := json.NewDecoder(r.Body).Decode(&m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || r.Method != http.MethodPost || len(m.Attachments) == 0 {
		s.bad = append(s.bad, r.Method+" "+r.URL.Path)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.messages = append(s.messages, m)
	_, _ = w.Write([]byte("ok"))
}

// received returns a copy of the messages so far.
func (s *slackSink) received() []slackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slackMessage(nil), s.messages...)
}

func (s *slackSink) invalid() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bad...)
}

func (s *slackSink) close() { _ = s.srv.Close() }
