"""What every part of the broker shares: the wire codec (`protocol`), the error codes
(`errors.Errors`) and record-batch headers and control batches (`records`)."""
