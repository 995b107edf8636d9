from neckimu.cli import main

raise SystemExit(main())
