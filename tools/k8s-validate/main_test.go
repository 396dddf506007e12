package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate runs the validator on one manifest text and returns its problems.
func validate(t *testing.T, text string) []string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := newValidator()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.run([]string{file}, ""); err != nil {
		t.Fatal(err)
	}
	return v.problems
}

func good(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGoodSetIsValid(t *testing.T) {
	if p := validate(t, good(t)); len(p) != 0 {
		t.Fatalf("want no problems, got %q", p)
	}
}

// Each case breaks the good set in one way the API server (or a controller,
// or Pod Security admission) would refuse, and names what the report says.
func TestBrokenSetsAreRejected(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"misspelled field", "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", `unknown field "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem"`},
		{"field in the wrong case", "maxUnavailable: 1", "MaxUnavailable: 1", "unknown field"},
		{"wrong type", "containerPort: 50051", "containerPort: fifty", "does not decode"},
		{"unknown kind", "kind: PodDisruptionBudget", "kind: PodDisruptionBudge", "unknown apiVersion/kind"},
		{"duplicate key", "  a: b\n", "  a: b\n  a: c\n", "not valid YAML"},
		{"invalid name", "name: app\ndata:", "name: App\ndata:", "metadata.name \"App\""},
		{"selector does not match the template", "      app: app\n  template:", "      app: other\n  template:", "does not match the pod template labels"},
		{"mount of an undefined volume", "- name: config\n              mountPath", "- name: conf\n              mountPath", `mounts volume "conf", which is not defined`},
		{"privilege escalation allowed", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "restricted Pod Security Standard"},
		{"capabilities kept", "drop: [ALL]", "drop: [NET_RAW]", "restricted Pod Security Standard"},
		{"Service selecting nothing", "  selector:\n    app: app\n  ports:", "  selector:\n    app: nope\n  ports:", "selects no pod template"},
		{"Service target port not on the pod", "targetPort: grpc", "targetPort: http", `targetPort "http" is not a container port`},
		{"ConfigMap volume naming a missing ConfigMap", "configMap:\n            name: app", "configMap:\n            name: gone", `names ConfigMap "gone"`},
		{"probe with two handlers", "            grpc:\n              port: 50051", "            grpc:\n              port: 50051\n            tcpSocket:\n              port: 50051", "has 2 handlers"},
		{"port name too long", "- name: grpc\n              containerPort", "- name: grpc-port-far-too-long\n              containerPort", "port name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := good(t)
			if !strings.Contains(text, c.old) {
				t.Fatalf("testdata/good.yaml does not contain %q", c.old)
			}
			problems := validate(t, strings.Replace(text, c.old, c.new, 1))
			joined := strings.Join(problems, "\n")
			if !strings.Contains(joined, c.want) {
				t.Fatalf("want a problem containing %q, got:\n%s", c.want, joined)
			}
		})
	}
}

func TestPdbSelectingNothingIsRejected(t *testing.T) {
	text := good(t)
	i := strings.LastIndex(text, "app: app")
	problems := validate(t, text[:i]+"app: nope"+text[i+len("app: app"):])
	if !strings.Contains(strings.Join(problems, "\n"), "PodDisruptionBudget/app: spec.selector selects no pod template") {
		t.Fatalf("got %q", problems)
	}
}

func TestSplitWritesOneFilePerDocument(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(file, []byte(good(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := newValidator()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := v.run([]string{file}, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"configmap-app.yaml", "deployment-app.yaml", "service-app.yaml", "poddisruptionbudget-app.yaml"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "name: app") {
			t.Fatalf("%s: %q", name, b)
		}
	}
}

// A KafkaUser as the chart renders it, and what Strimzi's CRD would refuse.
func TestKafkaUser(t *testing.T) {
	const user = `apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaUser
metadata:
  name: fruition-gateway
  labels:
    strimzi.io/cluster: kafka
spec:
  authentication:
    type: scram-sha-512
  authorization:
    type: simple
    acls:
      - host: '*'
        operations:
        - Read
        - Describe
        resource:
          name: fruition.scores.v1
          patternType: literal
          type: topic
      - host: '*'
        operations:
        - IdempotentWrite
        resource:
          type: cluster
`
	if p := validate(t, user); len(p) != 0 {
		t.Fatalf("want no problems, got %q", p)
	}
	for _, c := range []struct{ old, new, want string }{
		{"patternType: literal", "patternType: prefixed", `patternType "prefixed"`},
		{"- Read", "- Reed", `unknown operation "Reed"`},
		{"type: scram-sha-512", "type: scram", "spec.authentication.type"},
		{"    strimzi.io/cluster: kafka\n", "", "strimzi.io/cluster is required"},
		{"          name: fruition.scores.v1\n", "", "resource.name is required"},
		{"        operations:", "        operation:", "unknown field"},
	} {
		joined := strings.Join(validate(t, strings.Replace(user, c.old, c.new, 1)), "\n")
		if !strings.Contains(joined, c.want) {
			t.Errorf("%q -> %q: want a problem containing %q, got:\n%s", c.old, c.new, c.want, joined)
		}
	}
}
