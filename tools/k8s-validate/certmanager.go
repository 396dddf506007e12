package main

// cert-manager's cert-manager.io/v1 Certificate and Issuer, as far as their
// CRD schemas define the fields the chart renders (cert-manager's Go module
// would pull in most of Kubernetes' client libraries for these few types).

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Certificate is cert-manager.io/v1 Certificate.
type Certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              CertificateSpec `json:"spec"`
}

// CertificateSpec is the spec of a Certificate.
type CertificateSpec struct {
	SecretName     string                 `json:"secretName"`
	SecretTemplate map[string]interface{} `json:"secretTemplate,omitempty"`
	CommonName     string                 `json:"commonName,omitempty"`
	DNSNames       []string               `json:"dnsNames,omitempty"`
	IPAddresses    []string               `json:"ipAddresses,omitempty"`
	URIs           []string               `json:"uris,omitempty"`
	EmailAddresses []string               `json:"emailAddresses,omitempty"`
	Subject        map[string]interface{} `json:"subject,omitempty"`
	Usages         []string               `json:"usages,omitempty"`
	Duration       string                 `json:"duration,omitempty"`
	RenewBefore    string                 `json:"renewBefore,omitempty"`
	IsCA           bool                   `json:"isCA,omitempty"`
	PrivateKey     *CertificatePrivateKey `json:"privateKey,omitempty"`
	IssuerRef      IssuerRef              `json:"issuerRef"`
}

// CertificatePrivateKey is a Certificate's spec.privateKey.
type CertificatePrivateKey struct {
	Algorithm      string `json:"algorithm,omitempty"`
	Size           int    `json:"size,omitempty"`
	Encoding       string `json:"encoding,omitempty"`
	RotationPolicy string `json:"rotationPolicy,omitempty"`
}

// IssuerRef names the Issuer or ClusterIssuer of a Certificate.
type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Group string `json:"group,omitempty"`
}

// Issuer is cert-manager.io/v1 Issuer (the kinds of issuer the chart may
// render; the others are accepted without their fields checked).
type Issuer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              IssuerSpec `json:"spec"`
}

// IssuerSpec is the spec of an Issuer.
type IssuerSpec struct {
	SelfSigned *struct {
		CRLDistributionPoints []string `json:"crlDistributionPoints,omitempty"`
	} `json:"selfSigned,omitempty"`
	CA *struct {
		SecretName string `json:"secretName"`
	} `json:"ca,omitempty"`
	ACME   map[string]interface{} `json:"acme,omitempty"`
	Vault  map[string]interface{} `json:"vault,omitempty"`
	Venafi map[string]interface{} `json:"venafi,omitempty"`
}

var (
	certManagerCertificate = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}
	certManagerIssuer      = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Issuer"}
)

// certManagerKinds makes the objects of the cert-manager kinds.
var certManagerKinds = map[schema.GroupVersionKind]func() interface{}{
	certManagerCertificate: func() interface{} { return &Certificate{} },
	certManagerIssuer:      func() interface{} { return &Issuer{} },
}

// cert-manager's KeyUsage enum.
var certManagerUsages = map[string]bool{
	"signing": true, "digital signature": true, "content commitment": true,
	"key encipherment": true, "key agreement": true, "data encipherment": true,
	"cert sign": true, "crl sign": true, "encipher only": true, "decipher only": true,
	"any": true, "server auth": true, "client auth": true, "code signing": true,
	"email protection": true, "s/mime": true, "ipsec end system": true,
	"ipsec tunnel": true, "ipsec user": true, "timestamping": true,
	"ocsp signing": true, "microsoft sgc": true, "netscape sgc": true,
}

// checkCertManager checks the Certificates and Issuers of the set: what the
// CRDs' validation and cert-manager would refuse.
func (v *validator) checkCertManager(docs []*doc) {
	for _, d := range docs {
		if o, ok := d.obj.(*Issuer); ok {
			n := 0
			if o.Spec.SelfSigned != nil {
				n++
			}
			if o.Spec.CA != nil {
				n++
				if o.Spec.CA.SecretName == "" {
					v.fail(d, "spec.ca.secretName is empty")
				}
			}
			for _, m := range []map[string]interface{}{o.Spec.ACME, o.Spec.Vault, o.Spec.Venafi} {
				if m != nil {
					n++
				}
			}
			if n != 1 {
				v.fail(d, "an Issuer needs exactly one issuer type (selfSigned, ca, ...), has %d", n)
			}
		}
	}
	for _, d := range docs {
		o, ok := d.obj.(*Certificate)
		if !ok {
			continue
		}
		s := o.Spec
		if s.SecretName == "" {
			v.fail(d, "spec.secretName is empty")
		}
		if s.CommonName == "" && len(s.DNSNames) == 0 && len(s.IPAddresses) == 0 && len(s.URIs) == 0 && len(s.EmailAddresses) == 0 {
			v.fail(d, "no commonName, dnsNames, ipAddresses, uris or emailAddresses")
		}
		if len(s.CommonName) > 64 {
			v.fail(d, "spec.commonName is longer than 64 characters")
		}
		for _, u := range s.Usages {
			if !certManagerUsages[u] {
				v.fail(d, "spec.usages: %q is not a cert-manager key usage", u)
			}
		}
		for field, value := range map[string]string{"duration": s.Duration, "renewBefore": s.RenewBefore} {
			if value == "" {
				continue
			}
			if _, err := time.ParseDuration(value); err != nil {
				v.fail(d, "spec.%s %q: %v", field, value, err)
			}
		}
		if s.Duration != "" && s.RenewBefore != "" {
			duration, _ := time.ParseDuration(s.Duration)
			renew, _ := time.ParseDuration(s.RenewBefore)
			if renew >= duration {
				v.fail(d, "spec.renewBefore (%s) must be shorter than spec.duration (%s)", s.RenewBefore, s.Duration)
			}
		}
		if s.IssuerRef.Name == "" {
			v.fail(d, "spec.issuerRef.name is empty")
		}
		switch s.IssuerRef.Kind {
		case "", "Issuer", "ClusterIssuer":
		default:
			if s.IssuerRef.Group == "" || s.IssuerRef.Group == "cert-manager.io" {
				v.fail(d, "spec.issuerRef.kind %q is not Issuer or ClusterIssuer", s.IssuerRef.Kind)
			}
		}
	}
}
