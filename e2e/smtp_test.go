package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
)

// email is a message the SMTP sink accepted.
type email struct {
	From, To      string
	Subject, Text string // the text/plain part, decoded
	HTML          string
}

// smtpSink is a small SMTP server (RFC 5321: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT) that requires AUTH with its user and password, so the test proves the
// password travels from the secret file, and keeps every message.
type smtpSink struct {
	l              net.Listener
	user, password string

	mu      sync.Mutex
	emails  []email
	authErr []string
	wg      sync.WaitGroup
}

func startSMTPSink(user, password string) (*smtpSink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &smtpSink{l: l, user: user, password: password}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				s.session(textproto.NewConn(c))
			}()
		}
	}()
	return s, nil
}

func (s *smtpSink) addr() string { return s.l.Addr().String() }

func (s *smtpSink) session(c *textproto.Conn) {
	reply := func(format string, args ...any) bool { return c.PrintfLine(format, args...) == nil }
	if !reply("220 perfwatch-e2e ESMTP ready") {
		return
	}
	var from string
	var to []string
	authed := false
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			reply("250-perfwatch-e2e greets %s", arg)
			reply("250-AUTH PLAIN")
			reply("250 8BITMIME")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 only PLAIN")
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.password {
				s.mu.Lock()
				s.authErr = append(s.authErr, fmt.Sprintf("bad credentials %q", raw))
				s.mu.Unlock()
				reply("535 5.7.8 authentication failed")
				continue
			}
			authed = true
			reply("235 2.7.0 authenticated")
		case "MAIL":
			if !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			from, to = addrArg(arg), nil
			reply("250 2.1.0 ok")
		case "RCPT":
			to = append(to, addrArg(arg))
			reply("250 2.1.5 ok")
		case "DATA":
			if from == "" || len(to) == 0 {
				reply("503 5.5.1 MAIL and RCPT first")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			data, err := io.ReadAll(c.DotReader())
			if err != nil {
				return
			}
			e, err := parseEmail(data)
			if err != nil {
				reply("554 5.6.0 %v", err)
				continue
			}
			e.From, e.To = from, strings.Join(to, ",")
			s.mu.Lock()
			s.emails = append(s.emails, e)
			s.mu.Unlock()
			reply("250 2.0.0 queued")
		case "RSET":
			from, to = "", nil
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not implemented")
		}
	}
}

// addrArg extracts the address from "FROM:<a@b> BODY=8BITMIME".
func addrArg(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// parseEmail reads the subject and the text and HTML parts of a MIME message.
func parseEmail(data []byte) (email, error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return email{}, fmt.Errorf("parse message: %w", err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return email{}, fmt.Errorf("decode subject: %w", err)
	}
	e := email{Subject: subject}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return email{}, fmt.Errorf("content type %q: want multipart (%v)", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			return email{}, fmt.Errorf("read part: %w", err)
		}
		body, err := io.ReadAll(bufio.NewReader(p))
		if err != nil {
			return email{}, fmt.Errorf("read part: %w", err)
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			e.Text = string(body)
		case "text/html":
			e.HTML = string(body)
		}
	}
	return e, nil
}

func (s *smtpSink) received() []email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]email(nil), s.emails...)
}

func (s *smtpSink) authFailures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.authErr...)
}

func (s *smtpSink) close() {
	_ = s.l.Close()
	s.wg.Wait()
}
