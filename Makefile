# Convenience targets; ./dev is the entry script (works without make).
.PHONY: demo test setup
demo:
	./dev demo
test:
	./dev test
setup:
	./dev setup
