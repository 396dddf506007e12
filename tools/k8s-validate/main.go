// k8s-validate checks Kubernetes manifests offline, without a cluster:
//
//  1. Each YAML document is decoded by apiVersion/kind into its typed Go
//     struct from k8s.io/api (or the prometheus-operator, Strimzi and
//     cert-manager types the chart may render) strictly: an unknown or
//     misspelled field, a field of the wrong type, a duplicate key or an
//     unknown kind is an error.
//  2. Rules the API server would enforce and strict decoding cannot see:
//     names, labels and port names are valid; selectors match their pod
//     templates; probes have one handler; mounts name a volume.
//  3. Every pod template passes the "restricted" Pod Security Standard
//     (k8s.io/pod-security-admission, the admission controller's own code).
//  4. References between the documents hold: a Service selects a pod
//     template that has its named target ports, an HPA scales a workload of
//     the set, a PDB / NetworkPolicy / ServiceMonitor selects something, a
//     ServiceMonitor's port is a port of the Services it selects, a
//     ConfigMap volume names a ConfigMap of the set.
//
// Usage:
//
//	k8s-validate FILE...            validate (FILE "-" = standard input)
//	k8s-validate -split DIR FILE... validate, then write each document to
//	                                DIR/<kind>-<name>.yaml and print the
//	                                file names in order
//
// Prints one line per problem, "FILE: Kind/name: problem", and a summary;
// exits 1 if there was any problem, 2 on usage errors.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// KafkaTopic is Strimzi's kafka.strimzi.io/v1beta2 KafkaTopic, as far as
// its CRD schema defines it (Strimzi publishes no Go types).
type KafkaTopic struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              KafkaTopicSpec `json:"spec"`
}

// KafkaTopicSpec is the spec of a KafkaTopic.
type KafkaTopicSpec struct {
	TopicName  string                 `json:"topicName,omitempty"`
	Partitions *int32                 `json:"partitions,omitempty"`
	Replicas   *int32                 `json:"replicas,omitempty"`
	Config     map[string]interface{} `json:"config,omitempty"`
}

var strimziTopic = schema.GroupVersionKind{Group: "kafka.strimzi.io", Version: "v1beta2", Kind: "KafkaTopic"}

// KafkaUser is Strimzi's kafka.strimzi.io/v1beta2 KafkaUser, as far as its
// CRD schema defines the parts the chart uses (authentication and simple
// authorization).
type KafkaUser struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              KafkaUserSpec `json:"spec"`
}

// KafkaUserSpec is the spec of a KafkaUser.
type KafkaUserSpec struct {
	Authentication *KafkaUserAuthentication `json:"authentication,omitempty"`
	Authorization  *KafkaUserAuthorization  `json:"authorization,omitempty"`
}

// KafkaUserAuthentication is spec.authentication.
type KafkaUserAuthentication struct {
	Type string `json:"type"`
}

// KafkaUserAuthorization is spec.authorization (type simple).
type KafkaUserAuthorization struct {
	Type string         `json:"type"`
	ACLs []KafkaUserACL `json:"acls"`
}

// KafkaUserACL is one entry of spec.authorization.acls.
type KafkaUserACL struct {
	Resource   KafkaUserACLResource `json:"resource"`
	Operations []string             `json:"operations,omitempty"`
	Host       string               `json:"host,omitempty"`
	Type       string               `json:"type,omitempty"`
}

// KafkaUserACLResource is an ACL's resource.
type KafkaUserACLResource struct {
	Type        string `json:"type"`
	Name        string `json:"name,omitempty"`
	PatternType string `json:"patternType,omitempty"`
}

var strimziUser = schema.GroupVersionKind{Group: "kafka.strimzi.io", Version: "v1beta2", Kind: "KafkaUser"}

// checkKafkaUser reports what Strimzi's CRD schema would refuse.
func (v *validator) checkKafkaUser(d *doc, o *KafkaUser) {
	if d.meta.Labels["strimzi.io/cluster"] == "" {
		v.fail(d, "label strimzi.io/cluster is required")
	}
	if a := o.Spec.Authentication; a == nil || (a.Type != "tls" && a.Type != "tls-external" && a.Type != "scram-sha-512") {
		v.fail(d, "spec.authentication.type must be tls, tls-external or scram-sha-512")
	}
	z := o.Spec.Authorization
	if z == nil {
		return
	}
	if z.Type != "simple" {
		v.fail(d, "spec.authorization.type %q: only simple has acls", z.Type)
	}
	ops := map[string]bool{"Read": true, "Write": true, "Create": true, "Delete": true, "Alter": true,
		"Describe": true, "ClusterAction": true, "AlterConfigs": true, "DescribeConfigs": true,
		"IdempotentWrite": true, "All": true}
	for i, acl := range z.ACLs {
		r := acl.Resource
		switch r.Type {
		case "topic", "group", "transactionalId":
			if r.Name == "" {
				v.fail(d, "spec.authorization.acls[%d].resource.name is required for %s", i, r.Type)
			}
		case "cluster":
		default:
			v.fail(d, "spec.authorization.acls[%d].resource.type %q is not topic, group, cluster or transactionalId", i, r.Type)
		}
		if r.PatternType != "" && r.PatternType != "literal" && r.PatternType != "prefix" {
			v.fail(d, "spec.authorization.acls[%d].resource.patternType %q is not literal or prefix", i, r.PatternType)
		}
		if len(acl.Operations) == 0 {
			v.fail(d, "spec.authorization.acls[%d].operations is empty", i)
		}
		for _, op := range acl.Operations {
			if !ops[op] {
				v.fail(d, "spec.authorization.acls[%d]: unknown operation %q", i, op)
			}
		}
	}
}

// A decoded document.
type doc struct {
	file  string
	index int
	raw   []byte
	gvk   schema.GroupVersionKind
	meta  metav1.ObjectMeta
	obj   interface{}
}

func (d *doc) id() string { return d.gvk.Kind + "/" + d.meta.Name }

// A pod template found in a workload (or a bare Pod).
type podTemplate struct {
	owner  *doc
	meta   metav1.ObjectMeta
	spec   corev1.PodSpec
	claims map[string]bool // StatefulSet volumeClaimTemplates
}

type validator struct {
	scheme    *runtime.Scheme
	evaluator policy.Evaluator
	problems  []string
}

func (v *validator) fail(d *doc, format string, args ...interface{}) {
	where := d.file
	if d.meta.Name != "" || d.gvk.Kind != "" {
		where += ": " + d.id()
	} else {
		where += fmt.Sprintf(": document %d", d.index)
	}
	v.problems = append(v.problems, where+": "+fmt.Sprintf(format, args...))
}

func newValidator() (*validator, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		autoscalingv2.AddToScheme, policyv1.AddToScheme,
		networkingv1.AddToScheme, rbacv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, err
	}
	return &validator{scheme: s, evaluator: e}, nil
}

// splitDocuments splits a YAML stream at "---" lines.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimRight(line, " \t") == "---" {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
			cur.Reset()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	docs = append(docs, cur.Bytes())
	return docs
}

// isEmpty reports whether a document has only comments and blank lines.
func isEmpty(d []byte) bool {
	for _, line := range strings.Split(string(d), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

func (v *validator) decode(file string, index int, raw []byte) *doc {
	d := &doc{file: file, index: index, raw: raw}
	jsonData, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		v.fail(d, "not valid YAML: %v", err)
		return nil
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(jsonData, &tm); err != nil {
		v.fail(d, "not an object: %v", err)
		return nil
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil || tm.Kind == "" {
		v.fail(d, "apiVersion %q / kind %q missing or invalid", tm.APIVersion, tm.Kind)
		return nil
	}
	d.gvk = gv.WithKind(tm.Kind)
	var obj interface{}
	if d.gvk == strimziTopic {
		obj = &KafkaTopic{}
	} else if d.gvk == strimziUser {
		obj = &KafkaUser{}
	} else if make, ok := certManagerKinds[d.gvk]; ok {
		obj = make()
	} else {
		o, err := v.scheme.New(d.gvk)
		if err != nil {
			v.fail(d, "unknown apiVersion/kind %s: %v", d.gvk, err)
			return nil
		}
		obj = o
	}
	strict, err := kjson.UnmarshalStrict(jsonData, obj)
	if err != nil {
		v.fail(d, "does not decode into %T: %v", obj, err)
		return nil
	}
	for _, e := range strict {
		v.fail(d, "strict decoding: %v", e)
	}
	if len(strict) > 0 {
		return nil
	}
	d.obj = obj
	if m, ok := obj.(metav1.Object); ok {
		d.meta = metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), Labels: m.GetLabels(), Annotations: m.GetAnnotations()}
	}
	return d
}

func (v *validator) checkMeta(d *doc, meta metav1.ObjectMeta, what string) {
	for k, val := range meta.Labels {
		for _, e := range validation.IsQualifiedName(k) {
			v.fail(d, "%s label key %q: %s", what, k, e)
		}
		for _, e := range validation.IsValidLabelValue(val) {
			v.fail(d, "%s label %s value %q: %s", what, k, val, e)
		}
	}
	for k := range meta.Annotations {
		for _, e := range validation.IsQualifiedName(strings.ToLower(k)) {
			v.fail(d, "%s annotation key %q: %s", what, k, e)
		}
	}
}

func (v *validator) checkName(d *doc) {
	name := d.meta.Name
	if name == "" {
		v.fail(d, "metadata.name is empty")
		return
	}
	var errs []string
	switch d.gvk.Kind {
	case "Service":
		errs = validation.IsDNS1035Label(name)
	case "Namespace":
		errs = validation.IsDNS1123Label(name)
	default:
		errs = validation.IsDNS1123Subdomain(name)
	}
	if d.gvk.Kind == "StatefulSet" || d.gvk.Kind == "Deployment" {
		// Pod names get a suffix; the controller needs room for it.
		if len(name) > 52 {
			errs = append(errs, "longer than 52 characters")
		}
	}
	for _, e := range errs {
		v.fail(d, "metadata.name %q: %s", name, e)
	}
	v.checkMeta(d, d.meta, "metadata")
}

func probeHandlers(p *corev1.Probe) int {
	n := 0
	if p.Exec != nil {
		n++
	}
	if p.HTTPGet != nil {
		n++
	}
	if p.TCPSocket != nil {
		n++
	}
	if p.GRPC != nil {
		n++
	}
	return n
}

func (v *validator) checkPodSpec(d *doc, t podTemplate) {
	v.checkMeta(d, t.meta, "pod template")
	volumes := map[string]bool{}
	for _, vol := range t.spec.Volumes {
		for _, e := range validation.IsDNS1123Label(vol.Name) {
			v.fail(d, "volume %q: %s", vol.Name, e)
		}
		if volumes[vol.Name] {
			v.fail(d, "volume %q defined twice", vol.Name)
		}
		volumes[vol.Name] = true
	}
	for name := range t.claims {
		volumes[name] = true
	}
	if len(t.spec.Containers) == 0 {
		v.fail(d, "pod has no containers")
	}
	names := map[string]bool{}
	all := append(append([]corev1.Container{}, t.spec.InitContainers...), t.spec.Containers...)
	for _, c := range all {
		for _, e := range validation.IsDNS1123Label(c.Name) {
			v.fail(d, "container %q: %s", c.Name, e)
		}
		if names[c.Name] {
			v.fail(d, "container %q defined twice", c.Name)
		}
		names[c.Name] = true
		if c.Image == "" {
			v.fail(d, "container %q has no image", c.Name)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.ContainerPort < 1 || p.ContainerPort > 65535 {
				v.fail(d, "container %q port %d out of range", c.Name, p.ContainerPort)
			}
			if p.Name != "" {
				for _, e := range validation.IsValidPortName(p.Name) {
					v.fail(d, "container %q port name %q: %s", c.Name, p.Name, e)
				}
				if ports[p.Name] {
					v.fail(d, "container %q port name %q used twice", c.Name, p.Name)
				}
				ports[p.Name] = true
			}
		}
		for _, env := range c.Env {
			for _, e := range validation.IsEnvVarName(env.Name) {
				v.fail(d, "container %q env %q: %s", c.Name, env.Name, e)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				v.fail(d, "container %q mounts volume %q, which is not defined", c.Name, m.Name)
			}
			if !strings.HasPrefix(m.MountPath, "/") {
				v.fail(d, "container %q mount path %q is not absolute", c.Name, m.MountPath)
			}
		}
		for what, p := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
			if p == nil {
				continue
			}
			if n := probeHandlers(p); n != 1 {
				v.fail(d, "container %q %s has %d handlers, want exactly 1", c.Name, what, n)
			}
			if p.GRPC != nil && (p.GRPC.Port < 1 || p.GRPC.Port > 65535) {
				v.fail(d, "container %q %s grpc port %d out of range", c.Name, what, p.GRPC.Port)
			}
			if p.HTTPGet != nil && p.HTTPGet.Port.Type == intstr.String && !ports[p.HTTPGet.Port.StrVal] {
				v.fail(d, "container %q %s port %q is not a named port of the container", c.Name, what, p.HTTPGet.Port.StrVal)
			}
			if what != "readinessProbe" && p.SuccessThreshold > 1 {
				v.fail(d, "container %q %s successThreshold must be 1", c.Name, what)
			}
		}
	}
	// The "restricted" Pod Security Standard, as admission enforces it.
	results := v.evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &t.meta, &t.spec)
	if agg := policy.AggregateCheckResults(results); !agg.Allowed {
		v.fail(d, "violates the restricted Pod Security Standard: %s (%s)", agg.ForbiddenReason(), agg.ForbiddenDetail())
	}
}

func (v *validator) selectorMatches(d *doc, sel *metav1.LabelSelector, lbls map[string]string, what string) {
	if sel == nil {
		v.fail(d, "%s: selector missing", what)
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		v.fail(d, "%s: invalid selector: %v", what, err)
		return
	}
	if s.Empty() {
		v.fail(d, "%s: selector is empty", what)
		return
	}
	if !s.Matches(labels.Set(lbls)) {
		v.fail(d, "%s: selector %s does not match the pod template labels %v", what, s, lbls)
	}
}

func selects(sel *metav1.LabelSelector, lbls map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(lbls))
}

func (v *validator) run(files []string, splitDir string) error {
	var docs []*doc
	for _, file := range files {
		var data []byte
		var err error
		if file == "-" {
			data, err = io.ReadAll(os.Stdin)
			file = "<stdin>"
		} else {
			data, err = os.ReadFile(file)
		}
		if err != nil {
			return err
		}
		for i, raw := range splitDocuments(data) {
			if isEmpty(raw) {
				continue
			}
			if d := v.decode(file, i, raw); d != nil {
				docs = append(docs, d)
			}
		}
	}

	seen := map[string]*doc{}
	var pods []podTemplate
	configMaps := map[string]bool{}
	workloads := map[string]bool{} // "Kind/name"
	services := map[string]*corev1.Service{}
	for _, d := range docs {
		v.checkName(d)
		key := d.gvk.String() + "/" + d.meta.Namespace + "/" + d.meta.Name
		if prev, ok := seen[key]; ok {
			v.fail(d, "defined twice (also in %s)", prev.file)
		}
		seen[key] = d
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			t := podTemplate{owner: d, meta: o.Spec.Template.ObjectMeta, spec: o.Spec.Template.Spec}
			v.selectorMatches(d, o.Spec.Selector, t.meta.Labels, "spec.selector")
			pods = append(pods, t)
			workloads["Deployment/"+o.Name] = true
		case *appsv1.StatefulSet:
			t := podTemplate{owner: d, meta: o.Spec.Template.ObjectMeta, spec: o.Spec.Template.Spec, claims: map[string]bool{}}
			for _, c := range o.Spec.VolumeClaimTemplates {
				t.claims[c.Name] = true
				if _, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
					v.fail(d, "volumeClaimTemplate %q requests no storage", c.Name)
				}
			}
			v.selectorMatches(d, o.Spec.Selector, t.meta.Labels, "spec.selector")
			if o.Spec.ServiceName == "" {
				v.fail(d, "spec.serviceName is empty")
			}
			pods = append(pods, t)
			workloads["StatefulSet/"+o.Name] = true
		case *batchv1.Job:
			t := podTemplate{owner: d, meta: o.Spec.Template.ObjectMeta, spec: o.Spec.Template.Spec}
			if p := t.spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
				v.fail(d, "a Job's restartPolicy must be Never or OnFailure, not %q", p)
			}
			pods = append(pods, t)
		case *corev1.Pod:
			pods = append(pods, podTemplate{owner: d, meta: o.ObjectMeta, spec: o.Spec})
		case *corev1.ConfigMap:
			configMaps[o.Name] = true
		case *corev1.Service:
			services[o.Name] = o
		case *KafkaTopic:
			if d.meta.Labels["strimzi.io/cluster"] == "" {
				v.fail(d, "label strimzi.io/cluster is required")
			}
			if o.Spec.Partitions == nil || *o.Spec.Partitions < 1 {
				v.fail(d, "spec.partitions must be at least 1")
			}
			if o.Spec.Replicas == nil || *o.Spec.Replicas < 1 {
				v.fail(d, "spec.replicas must be at least 1")
			}
		case *KafkaUser:
			v.checkKafkaUser(d, o)
		}
	}
	v.checkCertManager(docs)
	for _, t := range pods {
		v.checkPodSpec(t.owner, t)
		for _, vol := range t.spec.Volumes {
			if vol.ConfigMap != nil && !configMaps[vol.ConfigMap.Name] {
				v.fail(t.owner, "volume %q names ConfigMap %q, which is not in the set", vol.Name, vol.ConfigMap.Name)
			}
		}
	}
	podsSelectedBy := func(sel *metav1.LabelSelector) []podTemplate {
		var out []podTemplate
		for _, t := range pods {
			if selects(sel, t.meta.Labels) {
				out = append(out, t)
			}
		}
		return out
	}
	for _, d := range docs {
		switch o := d.obj.(type) {
		case *corev1.Service:
			if o.Spec.Type != corev1.ServiceTypeExternalName && len(o.Spec.Selector) == 0 {
				v.fail(d, "spec.selector is empty")
				continue
			}
			matched := podsSelectedBy(&metav1.LabelSelector{MatchLabels: o.Spec.Selector})
			if len(matched) == 0 {
				v.fail(d, "spec.selector %v selects no pod template of the set", o.Spec.Selector)
			}
			portNames := map[string]bool{}
			for _, p := range o.Spec.Ports {
				if p.Name != "" {
					for _, e := range validation.IsDNS1123Label(p.Name) {
						v.fail(d, "port name %q: %s", p.Name, e)
					}
					if portNames[p.Name] {
						v.fail(d, "port name %q used twice", p.Name)
					}
					portNames[p.Name] = true
				}
				if p.TargetPort.Type != intstr.String {
					continue
				}
				for _, t := range matched {
					found := false
					for _, c := range t.spec.Containers {
						for _, cp := range c.Ports {
							found = found || cp.Name == p.TargetPort.StrVal
						}
					}
					if !found {
						v.fail(d, "targetPort %q is not a container port of %s", p.TargetPort.StrVal, t.owner.id())
					}
				}
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := o.Spec.ScaleTargetRef.Kind + "/" + o.Spec.ScaleTargetRef.Name
			if !workloads[ref] {
				v.fail(d, "scaleTargetRef %s is not a workload of the set", ref)
			}
			if o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas {
				v.fail(d, "minReplicas %d above maxReplicas %d", *o.Spec.MinReplicas, o.Spec.MaxReplicas)
			}
		case *policyv1.PodDisruptionBudget:
			if o.Spec.MinAvailable != nil && o.Spec.MaxUnavailable != nil {
				v.fail(d, "set minAvailable or maxUnavailable, not both")
			}
			if len(podsSelectedBy(o.Spec.Selector)) == 0 {
				v.fail(d, "spec.selector selects no pod template of the set")
			}
		case *networkingv1.NetworkPolicy:
			if len(podsSelectedBy(&o.Spec.PodSelector)) == 0 {
				v.fail(d, "spec.podSelector selects no pod template of the set")
			}
		case *monitoringv1.ServiceMonitor:
			var matched []*corev1.Service
			for _, s := range services {
				if selects(&o.Spec.Selector, s.Labels) {
					matched = append(matched, s)
				}
			}
			if len(matched) == 0 {
				v.fail(d, "spec.selector selects no Service of the set")
			}
			for _, ep := range o.Spec.Endpoints {
				for _, s := range matched {
					found := false
					for _, p := range s.Spec.Ports {
						found = found || p.Name == ep.Port
					}
					if !found {
						v.fail(d, "endpoint port %q is not a port of Service %s", ep.Port, s.Name)
					}
				}
			}
		}
	}

	if splitDir != "" && len(v.problems) == 0 {
		if err := os.MkdirAll(splitDir, 0o755); err != nil {
			return err
		}
		used := map[string]bool{}
		for _, d := range docs {
			name := strings.ToLower(d.gvk.Kind) + "-" + d.meta.Name + ".yaml"
			if used[name] {
				return fmt.Errorf("-split: two documents would be written to %s", name)
			}
			used[name] = true
			if err := os.WriteFile(filepath.Join(splitDir, name), bytes.TrimLeft(d.raw, "\n"), 0o644); err != nil {
				return err
			}
			fmt.Println(name)
		}
	}

	kinds := map[string]int{}
	for _, d := range docs {
		kinds[d.gvk.Kind]++
	}
	var summary []string
	for k, n := range kinds {
		summary = append(summary, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(summary)
	for _, p := range v.problems {
		fmt.Fprintln(os.Stderr, p)
	}
	fmt.Fprintf(os.Stderr, "k8s-validate: %d documents (%s), %d problems\n", len(docs), strings.Join(summary, ", "), len(v.problems))
	return nil
}

func main() {
	splitDir := flag.String("split", "", "also write each document to DIR/<kind>-<name>.yaml")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate [-split DIR] FILE... (FILE - = stdin)")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	v, err := newValidator()
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8s-validate:", err)
		os.Exit(2)
	}
	if err := v.run(flag.Args(), *splitDir); err != nil {
		fmt.Fprintln(os.Stderr, "k8s-validate:", err)
		os.Exit(2)
	}
	if len(v.problems) > 0 {
		os.Exit(1)
	}
}
