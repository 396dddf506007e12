package main

import (
	"strings"
	"testing"
)

const goodCertificates = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: ca
spec:
  ca:
    secretName: ca
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: server
spec:
  secretName: server-tls
  commonName: server
  dnsNames: [server, server.ns.svc]
  usages: [digital signature, key encipherment, server auth]
  duration: 2160h
  renewBefore: 720h
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Always
  issuerRef:
    name: ca
    kind: Issuer
    group: cert-manager.io
`

func TestGoodCertificatesAreValid(t *testing.T) {
	if p := validate(t, goodCertificates); len(p) != 0 {
		t.Fatalf("want no problems, got %q", p)
	}
}

// Each case breaks the good Certificate or Issuer in one way cert-manager
// (or its CRD's schema) would refuse.
func TestBrokenCertificatesAreRejected(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"misspelled field", "secretName: server-tls", "secretname: server-tls", "unknown field"},
		{"no secret", "secretName: server-tls", "secretName: \"\"", "spec.secretName is empty"},
		{"unknown usage", "server auth]", "serverAuth]", `"serverAuth" is not a cert-manager key usage`},
		{"renewal after expiry", "renewBefore: 720h", "renewBefore: 2400h", "must be shorter than spec.duration"},
		{"bad duration", "duration: 2160h", "duration: 90d", `spec.duration "90d"`},
		{"no issuer", "    name: ca\n    kind: Issuer", "    name: \"\"\n    kind: Issuer", "spec.issuerRef.name is empty"},
		{"unknown issuer kind", "kind: Issuer\n    group", "kind: Issuers\n    group", "is not Issuer or ClusterIssuer"},
		{"Issuer of no type", "  ca:\n    secretName: ca\n", "  {}\n", "exactly one issuer type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(goodCertificates, c.old) {
				t.Fatalf("the good set does not contain %q", c.old)
			}
			problems := validate(t, strings.Replace(goodCertificates, c.old, c.new, 1))
			joined := strings.Join(problems, "\n")
			if !strings.Contains(joined, c.want) {
				t.Fatalf("want a problem containing %q, got:\n%s", c.want, joined)
			}
		})
	}
}
