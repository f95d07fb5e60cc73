output "cluster_id" {
  description = "DOKS cluster id (`doctl kubernetes cluster kubeconfig save <id>`)."
  value       = digitalocean_kubernetes_cluster.runpad.id
}

output "cluster_endpoint" {
  description = "Kubernetes API address."
  value       = digitalocean_kubernetes_cluster.runpad.endpoint
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster."
  value       = digitalocean_kubernetes_cluster.runpad.kube_config[0].raw_config
  sensitive   = true
}

output "registry_endpoint" {
  description = "Registry prefix for images: RUNPAD_REGISTRY and the image names in infra/k8s."
  value       = digitalocean_container_registry.runpad.endpoint
}

output "registry_docker_config" {
  description = "Docker config.json with push and pull rights: the .dockerconfigjson of the Secret runpad-registry."
  value       = digitalocean_container_registry_docker_credentials.workers.docker_credentials
  sensitive   = true
}

output "log_group_name" {
  description = "CloudWatch log group for Runpad's CloudWatch setting."
  value       = aws_cloudwatch_log_group.runs.name
}

output "log_group_arn" {
  description = "ARN of the log group."
  value       = aws_cloudwatch_log_group.runs.arn
}

output "log_writer_access_key_id" {
  description = "Access key id for Runpad's CloudWatch setting."
  value       = aws_iam_access_key.log_writer.id
}

output "log_writer_secret_access_key" {
  description = "Secret access key for Runpad's CloudWatch setting."
  value       = aws_iam_access_key.log_writer.secret
  sensitive   = true
}
