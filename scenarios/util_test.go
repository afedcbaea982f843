package scenarios

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// yamlOf renders an object as YAML, for messages and artifacts.
func yamlOf(o *unstructured.Unstructured) string {
	b, err := yaml.Marshal(o.Object)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
