"""The study plan toward an interview date: quota, forecast, recall on the day, and the final review."""
