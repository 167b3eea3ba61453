"""What two real one-stop-shop systems send to the DVCQG sync address, byte for byte (see README.md)."""
