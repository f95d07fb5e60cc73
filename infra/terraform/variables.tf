variable "name" {
  description = "Prefix of every resource's name."
  type        = string
  default     = "runpad"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter."
  }
}

# --- DigitalOcean ---------------------------------------------------------------------------------

variable "do_region" {
  description = "DigitalOcean region of the cluster and the registry."
  type        = string
  default     = "fra1"
}

variable "kubernetes_version_prefix" {
  description = "Kubernetes minor version, e.g. \"1.34.\": the newest DOKS patch release of it is used (tests/infra/test_k8s.py validates the manifests against this minor)."
  type        = string
  default     = "1.34."
}

variable "node_size" {
  description = "Droplet size of the worker nodes. Runs happen inside the worker pods' Docker engines, so memory is what matters."
  type        = string
  default     = "s-4vcpu-8gb"
}

variable "node_min" {
  description = "Fewest nodes the cluster autoscaler keeps."
  type        = number
  default     = 2
}

variable "node_max" {
  description = "Most nodes the cluster autoscaler adds (the worker HorizontalPodAutoscaler asks for them)."
  type        = number
  default     = 6

  validation {
    condition     = var.node_max >= var.node_min
    error_message = "node_max must be at least node_min."
  }
}

variable "registry_tier" {
  description = "Container registry subscription: starter (one repository, too few for web, worker and dependency images), basic or professional."
  type        = string
  default     = "basic"
}

# --- AWS (run logs shipped to CloudWatch) ---------------------------------------------------------

variable "aws_region" {
  description = "AWS region of the CloudWatch log group."
  type        = string
  default     = "eu-central-1"
}

variable "log_group_name" {
  description = "CloudWatch log group Runpad ships run and build logs to (the CloudWatch setting in the app)."
  type        = string
  default     = "/runpad/runs"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the log events."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags on every AWS resource."
  type        = map(string)
  default = {
    project = "runpad"
  }
}
