// Command zhifa serves the law-enforcement supervision platform; see README.md.
package main

import (
	"os"

	"zhifa/app"
)

func main() { os.Exit(app.Main(os.Args[1:])) }
