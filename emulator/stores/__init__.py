"""What the emulator keeps beyond one request: uploaded files, generated images, stored
responses, batch jobs and the speech it wrote lately."""
