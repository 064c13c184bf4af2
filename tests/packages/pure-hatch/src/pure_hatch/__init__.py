def main() -> None:
    print("pure-hatch works")
