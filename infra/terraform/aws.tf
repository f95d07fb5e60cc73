# Where Runpad ships run and build logs (app/services/cloudwatch.py, workers/shipping.py), and an
# identity that may write to that log group and nothing else.

resource "aws_cloudwatch_log_group" "runs" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
}

# Exactly what shipping needs: create a stream, find it, put events into it; on this group only.
# No logs:CreateLogGroup (the group is made here) and no read of the events.
data "aws_iam_policy_document" "log_writer" {
  statement {
    sid    = "WriteRunpadLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      aws_cloudwatch_log_group.runs.arn,
      "${aws_cloudwatch_log_group.runs.arn}:log-stream:*",
    ]
  }
}

resource "aws_iam_policy" "log_writer" {
  name        = "${var.name}-log-writer"
  description = "Write Runpad's logs to the CloudWatch log group ${var.log_group_name}, nothing else."
  policy      = data.aws_iam_policy_document.log_writer.json
}

# A user, because Runpad runs outside AWS (DigitalOcean) and takes an access key in its CloudWatch
# setting. Inside AWS, attach the policy to the workload's role instead and drop the user and key.
resource "aws_iam_user" "log_writer" {
  name = "${var.name}-log-writer"
  path = "/runpad/"
}

resource "aws_iam_user_policy_attachment" "log_writer" {
  user       = aws_iam_user.log_writer.name
  policy_arn = aws_iam_policy.log_writer.arn
}

# The secret key ends up in the state (sensitive output below): keep the state private. Rotate by
# tainting this resource.
resource "aws_iam_access_key" "log_writer" {
  user = aws_iam_user.log_writer.name
}
